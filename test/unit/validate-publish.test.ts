import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorDetail, RelayError } from '../../src/errors/catalogue.js';
import type { AuthInfo } from '../../src/events/event.js';
import { MAX_COMMIT_EVENTS, validatePublish } from '../../src/events/validate-publish.js';

// CONTRACT.md, Publishing: one event `{type, key, payload, oldValue?, domain?}` or a commit
// `{author?, events: [ … ]}` (1..1000 events); invalid fields: 400 with every problem listed; an unknown type
// or a domain that contradicts the type: 400. `authInfo` is the publishing key; `author` goes on each event.

const KEY: AuthInfo = { clientId: 'app', name: 'The app' };
const EVENT = { type: 'CONFIG_UPDATED', key: 'demo:title', payload: { id: 'demo:title', value: '2' } };

/** The problems listed by the 400, checking its shape on the way. */
function problems(body: unknown): ErrorDetail[] {
  let caught: unknown;
  try {
    validatePublish(body, KEY);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RelayError, `expected a RelayError for ${JSON.stringify(body)?.slice(0, 80)}`);
  assert.equal(caught.code, 'RELAY_ERR_VALIDATION');
  assert.equal(caught.status, 400);
  assert.ok(caught.details && caught.details.length > 0, 'the problems are listed');
  assert.ok(caught.message.includes(String(caught.details.length)), 'the message counts the problems');
  for (const d of caught.details) {
    assert.equal(typeof d.path, 'string');
    assert.ok(d.message.length > 0);
  }
  return [...caught.details];
}

function paths(body: unknown): string[] {
  return problems(body)
    .map((d) => d.path)
    .sort();
}

describe('one event', () => {
  it('takes its domain from its type and its authInfo from the key', () => {
    assert.deepEqual(validatePublish(EVENT, KEY), [
      {
        type: 'CONFIG_UPDATED',
        key: 'demo:title',
        domain: 'Config',
        payload: EVENT.payload,
        authInfo: KEY,
      },
    ]);
  });

  it('has no oldValue and no author unless given', () => {
    const [e] = validatePublish(EVENT, KEY);
    assert.ok(e && !('oldValue' in e));
    assert.ok(e && !('author' in e));
  });

  it('keeps an oldValue, null included', () => {
    assert.deepEqual(validatePublish({ ...EVENT, oldValue: { v: 1 } }, KEY)[0]?.oldValue, { v: 1 });
    const [e] = validatePublish({ ...EVENT, oldValue: null }, KEY);
    assert.ok(e && 'oldValue' in e);
    assert.equal(e?.oldValue, null);
  });

  it('accepts a domain that agrees with the type', () => {
    assert.equal(validatePublish({ ...EVENT, domain: 'Config' }, KEY)[0]?.domain, 'Config');
    const binding = { type: 'VARIANT_BINDING_CREATED', key: 'e:1', payload: {}, domain: 'Experiment' };
    assert.equal(validatePublish(binding, KEY)[0]?.domain, 'Experiment');
  });

  it('accepts any JSON payload, null included', () => {
    for (const payload of [null, 0, false, 'text', [1, 2], { deep: { er: [null] } }]) {
      assert.deepEqual(validatePublish({ ...EVENT, payload }, KEY)[0]?.payload, payload);
    }
  });

  it('carries a null authInfo as null', () => {
    assert.equal(validatePublish(EVENT, null)[0]?.authInfo, null);
  });

  it('refuses a domain that contradicts the type', () => {
    const details = problems({ ...EVENT, domain: 'Feature' });
    assert.deepEqual(
      details.map((d) => d.path),
      ['domain'],
    );
    assert.match(details[0]?.message as string, /Feature/);
  });

  it('lists a domain of the wrong JSON type once, as a type problem', () => {
    const details = problems({ ...EVENT, domain: 42 });
    assert.deepEqual(
      details.map((d) => d.path),
      ['domain'],
    );
    assert.match(details[0]?.message as string, /string/);
  });

  it('refuses an unknown type', () => {
    const details = problems({ ...EVENT, type: 'CONFIG_RENAMED' });
    assert.deepEqual(
      details.map((d) => d.path),
      ['type'],
    );
    assert.match(details[0]?.message as string, /CONFIG_RENAMED/);
  });

  it('refuses a missing type, key or payload, naming each', () => {
    assert.deepEqual(paths({}), ['key', 'payload', 'type']);
  });

  it('refuses a key that is empty or longer than 1024 characters', () => {
    assert.deepEqual(paths({ ...EVENT, key: '' }), ['key']);
    assert.deepEqual(paths({ ...EVENT, key: 'k'.repeat(1025) }), ['key']);
    assert.equal(validatePublish({ ...EVENT, key: 'k'.repeat(1024) }, KEY).length, 1);
  });

  it('does not convert values of the wrong type', () => {
    assert.deepEqual(paths({ ...EVENT, key: 42 }), ['key']);
    assert.deepEqual(paths({ ...EVENT, type: ['CONFIG_UPDATED'] }), ['type']);
    assert.deepEqual([...new Set(paths({ ...EVENT, domain: 7 }))], ['domain']);
  });

  it('refuses fields it does not know, _id and timestamp included (the relay sets those)', () => {
    assert.deepEqual(paths({ ...EVENT, _id: 1, timestamp: '2026-11-24T11:01:00.469', extra: true }), [
      '_id',
      'extra',
      'timestamp',
    ]);
    assert.deepEqual(paths({ ...EVENT, authInfo: { clientId: 'someone-else', name: 'x' } }), ['authInfo']);
  });

  it('lists every problem at once', () => {
    assert.deepEqual(paths({ type: 'CONFIG_UPDATED', key: '', domain: 'User', extra: 1 }), [
      'domain',
      'extra',
      'key',
      'payload',
    ]);
  });
});

describe('a body that is neither an event nor a commit', () => {
  for (const body of [null, undefined, [], [EVENT], 'CONFIG_UPDATED', 42, true]) {
    it(`${JSON.stringify(body) ?? 'undefined'} is refused`, () => {
      problems(body);
    });
  }
});

describe('a commit', () => {
  it('keeps the order of its events, each with its domain and the key’s authInfo', () => {
    const events = validatePublish(
      {
        events: [
          { type: 'FEATURE_CREATED', key: 'f:1', payload: { enabled: true } },
          { type: 'CONFIG_DELETED', key: 'c:1', payload: null, oldValue: { v: 1 } },
          { type: 'USER_UPDATED', key: 'u:1', payload: {}, domain: 'User' },
        ],
      },
      KEY,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.domain, e.key, e.authInfo]),
      [
        ['FEATURE_CREATED', 'Feature', 'f:1', KEY],
        ['CONFIG_DELETED', 'Config', 'c:1', KEY],
        ['USER_UPDATED', 'User', 'u:1', KEY],
      ],
    );
    assert.deepEqual(events[1]?.oldValue, { v: 1 });
    assert.ok(!('oldValue' in (events[0] as object)));
  });

  it('carries its author onto each of its events', () => {
    const author = { name: 'Ann', email: 'ann@example.com' };
    const events = validatePublish({ author, events: [EVENT, { ...EVENT, key: 'other' }] }, KEY);
    assert.equal(events.length, 2);
    for (const e of events) assert.deepEqual(e.author, author);
  });

  it('without an author, its events have none', () => {
    for (const e of validatePublish({ events: [EVENT] }, KEY)) assert.ok(!('author' in e));
  });

  it('accepts an author with empty name or email, not a missing one', () => {
    assert.equal(validatePublish({ author: { name: '', email: '' }, events: [EVENT] }, KEY).length, 1);
    assert.deepEqual(paths({ author: { name: 'Ann' }, events: [EVENT] }), ['author.email']);
    assert.deepEqual(paths({ author: { name: 'Ann', email: 'a@b', role: 'x' }, events: [EVENT] }), [
      'author.role',
    ]);
  });

  it(`takes 1 to ${MAX_COMMIT_EVENTS} events`, () => {
    assert.equal(MAX_COMMIT_EVENTS, 1000);
    assert.equal(validatePublish({ events: [EVENT] }, KEY).length, 1);
    const full = Array.from({ length: 1000 }, (_, i) => ({ ...EVENT, key: `k:${i}` }));
    const events = validatePublish({ events: full }, KEY);
    assert.equal(events.length, 1000);
    assert.equal(events[999]?.key, 'k:999');
  });

  it('refuses no events, or more than 1000', () => {
    assert.deepEqual(paths({ events: [] }), ['events']);
    const over = Array.from({ length: 1001 }, () => EVENT);
    assert.deepEqual(paths({ events: over }), ['events']);
  });

  it('refuses events that is not a list (a 400, never a crash)', () => {
    for (const events of [EVENT, null, 'abc', 3, { length: 2 }]) {
      assert.deepEqual(paths({ events }), ['events'], JSON.stringify(events));
    }
  });

  it('refuses fields it does not know', () => {
    assert.deepEqual(paths({ events: [EVENT], message: 'why' }), ['message']);
  });

  it('lists every problem of every event at once, by position', () => {
    const details = problems({
      author: { name: 'Ann' },
      events: [
        EVENT,
        { ...EVENT, type: 'NOPE' },
        { ...EVENT, domain: 'Feature' },
        { type: 'CONFIG_UPDATED', payload: null },
        { ...EVENT, extra: 1 },
        'not an event',
      ],
      extra: true,
    });
    assert.deepEqual(details.map((d) => d.path).sort(), [
      'author.email',
      'events.1.type',
      'events.2.domain',
      'events.3.key',
      'events.4.extra',
      'events.5',
      'extra',
    ]);
  });

  it('is all or nothing: one bad event and no event is returned', () => {
    assert.throws(
      () => validatePublish({ events: [EVENT, EVENT, { ...EVENT, type: 'NOPE' }] }, KEY),
      RelayError,
    );
  });
});

// Valid bodies are checked by hand, without Joi (the publish path's cost); anything the hand check does not
// surely accept goes through Joi. These are the edges where the two must agree.
describe('the hand check of valid bodies agrees with the schema at its edges', () => {
  it('refuses an empty type, an empty domain, a key of 1025 characters; takes one of 1024', () => {
    assert.deepEqual([...new Set(paths({ ...EVENT, type: '' }))], ['type']);
    assert.deepEqual([...new Set(paths({ ...EVENT, domain: '' }))], ['domain']);
    assert.deepEqual(paths({ ...EVENT, key: 'k'.repeat(1025) }), ['key']);
    assert.equal(validatePublish({ ...EVENT, key: 'k'.repeat(1024) }, KEY)[0]?.key.length, 1024);
  });

  it('takes an author name or email of 256 characters, not 257', () => {
    const author = (name: string, email: string) => ({ author: { name, email }, events: [EVENT] });
    assert.equal(validatePublish(author('n'.repeat(256), 'e'.repeat(256)), KEY)[0]?.author?.name.length, 256);
    assert.deepEqual(paths(author('n'.repeat(257), '')), ['author.name']);
    assert.deepEqual(paths(author('', 'e'.repeat(257))), ['author.email']);
    assert.deepEqual(paths({ author: { name: '', email: '', extra: 1 }, events: [EVENT] }), ['author.extra']);
  });

  it('takes a null payload and a null oldValue, refuses an event or author that is not an object', () => {
    assert.equal(validatePublish({ ...EVENT, payload: null, oldValue: null }, KEY)[0]?.payload, null);
    assert.ok(paths({ events: [EVENT, [EVENT]] }).includes('events.1'));
    assert.deepEqual(paths({ author: ['a'], events: [EVENT] }), ['author']);
  });
});
