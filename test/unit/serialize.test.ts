import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewEvent } from '../../src/events/event.js';
import { eventArgs, storedFromIds } from '../../src/events/event-store.js';
import {
  decodeEntries,
  decodeEntry,
  ENTRY_FIELDS,
  encodeBody,
  eventJson,
} from '../../src/events/serialize.js';

// CONTRACT.md, Events: the event JSON, `_id` first and `timestamp` last, `oldValue` only where the producer
// gave one, `authInfo` the publishing key's `{clientId, name}` (or null), `author` on commit events.

const MS = Date.UTC(2026, 10, 24, 11, 1, 0, 469);
const STREAM_ID = `${MS}-1`;
const ID = MS * 1000 + 1;

const UPDATE: NewEvent = {
  type: 'CONFIG_UPDATED',
  key: 'demo:title',
  domain: 'Config',
  payload: { id: 'demo:title', value: '{"title": "Changed title"}' },
  oldValue: { id: 'demo:title', value: '{"title": "Title"}' },
  authInfo: null,
};

/** The fields of the stream entry the append script writes for these events (`t d k b` each). */
function entryFields(event: NewEvent): string[] {
  const values = eventArgs([event]);
  return ENTRY_FIELDS.flatMap((field, i) => [field, values[i] as string]);
}

describe('encodeBody', () => {
  it('is the members of a JSON object, without braces, _id or timestamp', () => {
    const body = encodeBody(UPDATE);
    const parsed = JSON.parse(`{${body}}`) as Record<string, unknown>;
    assert.ok(!('_id' in parsed));
    assert.ok(!('timestamp' in parsed));
    assert.deepEqual(parsed, {
      type: 'CONFIG_UPDATED',
      key: 'demo:title',
      domain: 'Config',
      payload: UPDATE.payload,
      oldValue: UPDATE.oldValue,
      authInfo: null,
    });
  });

  it('writes type, key, domain, payload, oldValue, authInfo, author in that order', () => {
    const body = encodeBody({ ...UPDATE, author: { name: 'Ann', email: 'ann@example.com' } });
    assert.deepEqual(Object.keys(JSON.parse(`{${body}}`)), [
      'type',
      'key',
      'domain',
      'payload',
      'oldValue',
      'authInfo',
      'author',
    ]);
  });

  it('has no oldValue when the producer gave none', () => {
    const { oldValue: _, ...created } = UPDATE;
    const parsed = JSON.parse(`{${encodeBody({ ...created, type: 'CONFIG_CREATED' })}}`);
    assert.ok(!('oldValue' in parsed));
  });

  it('keeps an oldValue given as null', () => {
    const parsed = JSON.parse(`{${encodeBody({ ...UPDATE, oldValue: null })}}`);
    assert.ok('oldValue' in parsed);
    assert.equal(parsed.oldValue, null);
  });

  it('has no author unless given', () => {
    assert.ok(!('author' in JSON.parse(`{${encodeBody(UPDATE)}}`)));
  });

  it('writes a missing payload as null', () => {
    const parsed = JSON.parse(`{${encodeBody({ ...UPDATE, payload: undefined })}}`);
    assert.ok('payload' in parsed);
    assert.equal(parsed.payload, null);
  });

  it('writes the publishing key as authInfo', () => {
    const parsed = JSON.parse(
      `{${encodeBody({ ...UPDATE, authInfo: { clientId: 'app', name: 'The app' } })}}`,
    );
    assert.deepEqual(parsed.authInfo, { clientId: 'app', name: 'The app' });
  });

  it('is one line whatever the payload holds', () => {
    const text = 'a\nb\r\nc\rd\u2028e"},"_id":1,"x":{"';
    const body = encodeBody({ ...UPDATE, key: text, payload: { [text]: text } });
    assert.ok(!/[\r\n]/.test(body));
    const parsed = JSON.parse(`{${body}}`);
    assert.equal(parsed.key, text);
    assert.deepEqual(parsed.payload, { [text]: text });
    assert.ok(!('_id' in parsed), 'a payload cannot add a top-level member');
  });
});

describe('eventJson', () => {
  it('puts _id first and timestamp last, around the body', () => {
    const json = eventJson(ID, MS, encodeBody(UPDATE));
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const keys = Object.keys(parsed);
    assert.equal(keys[0], '_id');
    assert.equal(keys[keys.length - 1], 'timestamp');
    assert.ok(json.startsWith(`{"_id":${ID},`));
    assert.ok(json.endsWith(',"timestamp":"2026-11-24T11:01:00.469"}'));
  });

  it('gives the contract example', () => {
    const parsed = JSON.parse(eventJson(ID, MS, encodeBody(UPDATE)));
    assert.deepEqual(parsed, {
      _id: ID,
      type: 'CONFIG_UPDATED',
      key: 'demo:title',
      domain: 'Config',
      payload: { id: 'demo:title', value: '{"title": "Changed title"}' },
      oldValue: { id: 'demo:title', value: '{"title": "Title"}' },
      authInfo: null,
      timestamp: '2026-11-24T11:01:00.469',
    });
  });

  it('writes _id as a JSON integer that parses back exactly', () => {
    const parsed = JSON.parse(eventJson(ID, MS, encodeBody(UPDATE)));
    assert.equal(typeof parsed._id, 'number');
    assert.ok(Number.isSafeInteger(parsed._id));
    assert.equal(parsed._id, ID);
  });
});

describe('storedFromIds', () => {
  it('gives each event its entry id, _id and JSON', () => {
    const events: NewEvent[] = [UPDATE, { ...UPDATE, key: 'demo:other' }];
    const stored = storedFromIds([`${MS}-998`, `${MS}-999`], events);
    assert.deepEqual(
      stored.map((s) => [s.streamId, s.id, s.key]),
      [
        [`${MS}-998`, MS * 1000 + 998, 'demo:title'],
        [`${MS}-999`, MS * 1000 + 999, 'demo:other'],
      ],
    );
    for (const s of stored) {
      const parsed = JSON.parse(s.json);
      assert.equal(parsed._id, s.id);
      assert.equal(parsed.key, s.key);
      assert.equal(s.type, 'CONFIG_UPDATED');
      assert.equal(s.domain, 'Config');
    }
  });

  it('the timestamp is that of the entry id, not of the clock', () => {
    const [stored] = storedFromIds(['0-5'], [UPDATE]);
    assert.equal(JSON.parse(stored?.json as string).timestamp, '1970-01-01T00:00:00.000');
    assert.equal(stored?.id, 5);
  });
});

describe('decodeEntry', () => {
  it('reads back exactly what storedFromIds built for the same entry', () => {
    const cases: NewEvent[] = [
      UPDATE,
      { type: 'FEATURE_CREATED', key: 'f', domain: 'Feature', payload: { enabled: true }, authInfo: null },
      {
        type: 'FEATURE_DELETED',
        key: 'a:b/c',
        domain: 'Feature',
        payload: null,
        authInfo: { clientId: 'k', name: 'n' },
        author: { name: 'Ann', email: '' },
      },
      { ...UPDATE, key: 'line\nbreak', payload: 'x\r\ny' },
    ];
    for (const event of cases) {
      const [expected] = storedFromIds([STREAM_ID], [event]);
      assert.deepEqual(decodeEntry(STREAM_ID, entryFields(event)), expected);
    }
  });

  it('reads the commit an entry belongs to: its own for a single event or a first entry, else c; r after it', () => {
    const single = decodeEntry(STREAM_ID, entryFields(UPDATE));
    assert.equal(single.commit, STREAM_ID);
    assert.equal(single.remaining, 0);
    const second = decodeEntry(`${MS}-2`, [...entryFields(UPDATE), 'c', STREAM_ID, 'r', '3']);
    assert.equal(second.commit, STREAM_ID);
    assert.equal(second.remaining, 3);
    // a commit's first entry carries r only (its id is Redis' own `*`, not known before it is added)
    const first = decodeEntry(STREAM_ID, [...entryFields(UPDATE), 'r', '4']);
    assert.equal(first.commit, STREAM_ID);
    assert.equal(first.remaining, 4);
    const built = storedFromIds([`${MS}-1`, `${MS}-2`, `${MS}-3`], [UPDATE, UPDATE, UPDATE]);
    assert.deepEqual(
      built.map((e) => [e.commit, e.remaining]),
      [
        [`${MS}-1`, 2],
        [`${MS}-1`, 1],
        [`${MS}-1`, 0],
      ],
    );
  });

  it('the entry holds type, domain and key beside the body, for filters that never parse JSON', () => {
    const fields = entryFields(UPDATE);
    assert.deepEqual(ENTRY_FIELDS, ['t', 'd', 'k', 'b']);
    assert.deepEqual(fields.slice(0, 6), ['t', 'CONFIG_UPDATED', 'd', 'Config', 'k', 'demo:title']);
    const decoded = decodeEntry(STREAM_ID, fields);
    assert.equal(decoded.type, 'CONFIG_UPDATED');
    assert.equal(decoded.domain, 'Config');
    assert.equal(decoded.key, 'demo:title');
    assert.equal(decoded.id, ID);
    assert.equal(decoded.streamId, STREAM_ID);
  });

  it('does not depend on the order of the fields, and ignores unknown ones', () => {
    const fields = entryFields(UPDATE);
    const pairs: [string, string][] = [];
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] as string, fields[i + 1] as string]);
    const shuffled = [['x', 'ignored'], ...pairs.reverse()].flat();
    assert.deepEqual(decodeEntry(STREAM_ID, shuffled), decodeEntry(STREAM_ID, fields));
  });

  it('the JSON parses to the event with _id and timestamp', () => {
    const parsed = JSON.parse(decodeEntry(STREAM_ID, entryFields(UPDATE)).json);
    assert.equal(parsed._id, ID);
    assert.equal(parsed.timestamp, '2026-11-24T11:01:00.469');
    assert.deepEqual(parsed.oldValue, UPDATE.oldValue);
  });

  it('refuses an entry id that is not a relay id', () => {
    assert.throws(() => decodeEntry('1-1000', entryFields(UPDATE)), RangeError);
    assert.throws(() => decodeEntry('nope', entryFields(UPDATE)), RangeError);
  });
});

describe('eventArgs', () => {
  it('lists type, domain, key and body for each event, in order', () => {
    const other: NewEvent = { ...UPDATE, key: 'demo:2' };
    assert.deepEqual(eventArgs([UPDATE, other]), [
      'CONFIG_UPDATED',
      'Config',
      'demo:title',
      encodeBody(UPDATE),
      'CONFIG_UPDATED',
      'Config',
      'demo:2',
      encodeBody(other),
    ]);
  });
});

describe('decodeEntries', () => {
  const fields = (key: string) => [
    't',
    'CONFIG_UPDATED',
    'd',
    'Config',
    'k',
    key,
    'b',
    `"key":${JSON.stringify(key)}`,
  ];

  it('decodes every entry of a read, in order', () => {
    const raw: [string, string[]][] = [
      ['7-998', fields('a')],
      ['7-999', fields('b')],
      ['8-0', fields('c')],
    ];
    assert.deepEqual(
      decodeEntries(raw),
      raw.map(([id, f]) => decodeEntry(id, f)),
    );
  });

  it('leaves out a withdrawn entry (seq above 999), which decodeEntry refuses', () => {
    const raw: [string, string[]][] = [
      ['7-999', fields('a')],
      ['7-1000', fields('b')],
      ['8-0', fields('b')],
    ];
    assert.throws(() => decodeEntry('7-1000', fields('b')), RangeError);
    assert.deepEqual(
      decodeEntries(raw).map((e) => [e.streamId, e.id, e.key]),
      [
        ['7-999', 7999, 'a'],
        ['8-0', 8000, 'b'],
      ],
    );
    assert.deepEqual(decodeEntries([['7-1000', fields('b')]]), []);
  });
});
