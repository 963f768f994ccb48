import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIngestMessage } from '../../src/ingest/izanami-message.js';

// CONTRACT.md, Publishing: messages published on `izanami:events` — Izanami's own Redis event store format —
// are appended once each, however many relay processes run; invalid ones are logged and counted.

// The event of the seed's SSE example, as Izanami writes it (its `_id` is a 64-bit long).
const SEED_EVENT =
  '{"_id":942740804979392517,"type":"FEATURE_UPDATED","key":"drop:hbomb:in:random:place","domain":"Feature",' +
  '"payload":{"id":"drop:hbomb:in:random:place","enabled":false,"parameters":{"releaseDate":"11/01/2018 09:58:00"},' +
  '"activationStrategy":"RELEASE_DATE"},"timestamp":"2017-12-18T13:58:17.841","oldValue":{"id":' +
  '"drop:hbomb:in:random:place","enabled":false,"parameters":{"releaseDate":"11/01/2018 09:58:00"},' +
  '"activationStrategy":"RELEASE_DATE"}}';

function message(fields: Record<string, unknown>): string {
  return JSON.stringify({
    _id: 1,
    type: 'CONFIG_UPDATED',
    key: 'demo:title',
    domain: 'Config',
    payload: { id: 'demo:title', value: '2' },
    authInfo: null,
    timestamp: '2026-11-24T11:01:00.469',
    ...fields,
  });
}

describe('parseIngestMessage', () => {
  it('reads the seed example into an event', () => {
    const { event } = parseIngestMessage(SEED_EVENT);
    const seed = JSON.parse(SEED_EVENT);
    assert.deepEqual(event, {
      type: 'FEATURE_UPDATED',
      key: 'drop:hbomb:in:random:place',
      domain: 'Feature',
      payload: seed.payload,
      oldValue: seed.oldValue,
      authInfo: null,
    });
  });

  it("leaves Izanami's _id and timestamp behind: the relay gives its own", () => {
    const { event } = parseIngestMessage(message({}));
    assert.ok(!('_id' in event));
    assert.ok(!('timestamp' in event));
  });

  it('takes the domain from the type, with or without a domain field', () => {
    assert.equal(parseIngestMessage(message({ domain: undefined })).event.domain, 'Config');
    const binding = message({ type: 'VARIANT_BINDING_CREATED', domain: 'Experiment' });
    assert.equal(parseIngestMessage(binding).event.domain, 'Experiment');
  });

  it('has an oldValue only where the message has one', () => {
    assert.ok(!('oldValue' in parseIngestMessage(message({})).event));
    assert.deepEqual(parseIngestMessage(message({ oldValue: { v: 1 } })).event.oldValue, { v: 1 });
    const { event } = parseIngestMessage(message({ oldValue: null }));
    assert.ok('oldValue' in event);
    assert.equal(event.oldValue, null);
  });

  it('a missing payload is null', () => {
    assert.equal(parseIngestMessage(message({ payload: undefined })).event.payload, null);
  });

  it('accepts fields it does not know (a newer Izanami may add some)', () => {
    assert.equal(parseIngestMessage(message({ newField: [1, 2] })).event.type, 'CONFIG_UPDATED');
  });
});

describe('authInfo', () => {
  it('keeps a key’s clientId and name', () => {
    const { event } = parseIngestMessage(message({ authInfo: { clientId: 'k', name: 'Key' } }));
    assert.deepEqual(event.authInfo, { clientId: 'k', name: 'Key' });
  });

  it("maps an Izanami user's id to clientId, dropping the rest", () => {
    const authInfo = { type: 'user', id: 'ann', name: 'Ann', email: 'ann@example.com', admin: true };
    assert.deepEqual(parseIngestMessage(message({ authInfo })).event.authInfo, {
      clientId: 'ann',
      name: 'Ann',
    });
  });

  it("maps an Izanami api key's clientId", () => {
    const authInfo = { type: 'apikey', clientId: 'app', name: 'App', admin: false };
    assert.deepEqual(parseIngestMessage(message({ authInfo })).event.authInfo, {
      clientId: 'app',
      name: 'App',
    });
  });

  it('a missing name is empty', () => {
    assert.deepEqual(parseIngestMessage(message({ authInfo: { id: 'ann' } })).event.authInfo, {
      clientId: 'ann',
      name: '',
    });
  });

  for (const authInfo of [null, undefined, 'ann', 42, {}, { id: 7, name: 'x' }, { name: 'no id' }]) {
    it(`${JSON.stringify(authInfo) ?? 'undefined'} is no authInfo`, () => {
      assert.equal(parseIngestMessage(message({ authInfo })).event.authInfo, null);
    });
  }
});

describe('dedupId', () => {
  it("is Izanami's _id when it is exact", () => {
    assert.equal(parseIngestMessage(message({ _id: 123456 })).dedupId, 'id:123456');
    assert.equal(parseIngestMessage(message({ _id: 'abc-1' })).dedupId, 'id:abc-1');
  });

  it('the same _id names the same event, however the message is written', () => {
    const compact = message({ _id: 77 });
    const spaced = JSON.stringify(JSON.parse(compact), null, 2);
    assert.equal(parseIngestMessage(compact).dedupId, parseIngestMessage(spaced).dedupId);
  });

  it('different _ids name different events', () => {
    assert.notEqual(
      parseIngestMessage(message({ _id: 1 })).dedupId,
      parseIngestMessage(message({ _id: 2 })).dedupId,
    );
  });

  it('two 64-bit ids that JSON rounds to one number still name two events', () => {
    // 942740804979392517 and …518 are the same double: deduplicating on the parsed number would drop one.
    assert.equal(Number('942740804979392517'), Number('942740804979392518'));
    const a = SEED_EVENT;
    const b = SEED_EVENT.replace('942740804979392517', '942740804979392518');
    assert.notEqual(a, b);
    assert.notEqual(parseIngestMessage(a).dedupId, parseIngestMessage(b).dedupId);
  });

  it('the same message always gets the same id, in every process', () => {
    assert.equal(parseIngestMessage(SEED_EVENT).dedupId, parseIngestMessage(SEED_EVENT).dedupId);
    const noId = message({ _id: undefined });
    assert.equal(parseIngestMessage(noId).dedupId, parseIngestMessage(noId).dedupId);
  });

  it('without an _id, is a digest of the message', () => {
    const a = parseIngestMessage(message({ _id: undefined })).dedupId;
    const b = parseIngestMessage(message({ _id: undefined, key: 'demo:other' })).dedupId;
    assert.match(a, /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
  });

  it('an id and a digest never collide', () => {
    const withId = parseIngestMessage(message({ _id: 5 })).dedupId;
    const withoutId = parseIngestMessage(message({ _id: undefined })).dedupId;
    assert.notEqual(withId.split(':')[0], withoutId.split(':')[0]);
  });
});

describe('invalid messages', () => {
  const invalid: [string, string, RegExp?][] = [
    ['not JSON', 'CONFIG_UPDATED demo:title'],
    ['an empty message', ''],
    ['a JSON array', '[]'],
    ['a JSON string', '"CONFIG_UPDATED"'],
    ['JSON null', 'null'],
    ['no type', message({ type: undefined }), /type/],
    ['no key', message({ key: undefined }), /key/],
    ['an empty key', message({ key: '' }), /key/],
    ['a key over 1024 characters', message({ key: 'k'.repeat(1025) }), /key/],
    ['a type that is not a string', message({ type: 42 }), /type/],
    ['an unknown type', message({ type: 'CONFIG_RENAMED' }), /CONFIG_RENAMED/],
    ['a domain that contradicts the type', message({ domain: 'Feature' }), /Feature/],
    ['an _id that is neither a number nor a string', message({ _id: { oid: 1 } }), /_id/],
  ];
  for (const [what, text, says] of invalid) {
    it(`throws for ${what}`, () => {
      assert.throws(
        () => parseIngestMessage(text),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          if (says) assert.match(err.message, says);
          return true;
        },
      );
    });
  }
});
