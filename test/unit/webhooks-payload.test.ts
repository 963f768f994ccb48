import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainOfType } from '../../src/events/catalogue.js';
import type { Author, NewEvent } from '../../src/events/event.js';
import { encodeBody, eventJson } from '../../src/events/serialize.js';
import {
  deliveryBody,
  izanamiBody,
  pingBody,
  RELAY_AUTHOR,
  tweekAuthor,
  tweekBody,
  tweekPayload,
  tweekUpdate,
  UNKNOWN_AUTHOR,
  type WireEvent,
} from '../../src/webhooks/payload.js';

// CONTRACT.md, Webhooks — Izanami API: `{"objectsEdited": [the matching events of one commit]}`.
// Hooks — Tweek API: `{"author": {"name","email"}, "updates": [{"oldValue", "newValue"}]}`, the values being the
// event's oldValue and payload (keyPath = the event key), oldValue null on create, newValue null on delete.

const MS = Date.UTC(2026, 10, 24, 11, 1, 0, 469);
const AUTHOR: Author = { name: 'Ada Lovelace', email: 'ada@example.com' };
const AUTH_INFO = { clientId: 'ci-42', name: 'publisher' };

/** An event's JSON exactly as the stream gives it to readers (StoredEvent.json). */
function stored(seq: number, e: Omit<NewEvent, 'domain' | 'authInfo'> & { authInfo?: NewEvent['authInfo'] }) {
  const event: NewEvent = {
    ...e,
    domain: domainOfType(e.type)!,
    authInfo: e.authInfo === undefined ? AUTH_INFO : e.authInfo,
  };
  return eventJson(MS * 1000 + seq, MS, encodeBody(event));
}

/** The issue's commit: a/b/c created, a/b/c/d updated, and two keys a hook `a/b/*` does not match. */
const COMMIT = [
  stored(0, { type: 'CONFIG_CREATED', key: 'a/b/c', payload: { id: 'a/b/c', value: '1' }, author: AUTHOR }),
  stored(1, {
    type: 'CONFIG_UPDATED',
    key: 'a/b/c/d',
    payload: { id: 'a/b/c/d', value: 'new' },
    oldValue: { id: 'a/b/c/d', value: 'old' },
    author: AUTHOR,
  }),
  stored(2, { type: 'CONFIG_UPDATED', key: 'x/y', payload: { v: 2 }, oldValue: { v: 1 }, author: AUTHOR }),
  stored(3, { type: 'CONFIG_DELETED', key: 'a/b', payload: { id: 'a/b', value: 'gone' }, author: AUTHOR }),
];

function wire(json: string): WireEvent {
  return JSON.parse(json) as WireEvent;
}

describe('izanamiBody', () => {
  it('is {"objectsEdited": [the events]} with each event exactly as stored', () => {
    const body = izanamiBody(COMMIT.slice(0, 2));
    const parsed = JSON.parse(body) as { objectsEdited: unknown[] };
    assert.deepEqual(Object.keys(parsed), ['objectsEdited']);
    assert.deepEqual(parsed.objectsEdited, [JSON.parse(COMMIT[0]!), JSON.parse(COMMIT[1]!)]);
    assert.equal(body, `{"objectsEdited":[${COMMIT[0]},${COMMIT[1]}]}`);
  });

  it('keeps the events in commit order with their ids, timestamps and authInfo', () => {
    const parsed = JSON.parse(izanamiBody(COMMIT)) as { objectsEdited: WireEvent[] };
    assert.deepEqual(
      parsed.objectsEdited.map((e) => e._id),
      [0, 1, 2, 3].map((seq) => MS * 1000 + seq),
    );
    assert.equal(parsed.objectsEdited[0]!.timestamp, '2026-11-24T11:01:00.469');
    assert.deepEqual(parsed.objectsEdited[0]!.authInfo, AUTH_INFO);
    assert.equal(parsed.objectsEdited[0]!.domain, 'Config');
  });

  it('is valid JSON for one event and for none', () => {
    assert.deepEqual(JSON.parse(izanamiBody([COMMIT[2]!])), { objectsEdited: [JSON.parse(COMMIT[2]!)] });
    assert.equal(izanamiBody([]), '{"objectsEdited":[]}');
  });
});

describe('tweekUpdate', () => {
  it('an update carries oldValue and payload as newValue, with keyPath = the event key', () => {
    assert.deepEqual(tweekUpdate(wire(COMMIT[1]!)), {
      keyPath: 'a/b/c/d',
      oldValue: { id: 'a/b/c/d', value: 'old' },
      newValue: { id: 'a/b/c/d', value: 'new' },
    });
  });

  it('a create has oldValue null, even if the producer sent one', () => {
    assert.deepEqual(tweekUpdate(wire(COMMIT[0]!)), {
      keyPath: 'a/b/c',
      oldValue: null,
      newValue: { id: 'a/b/c', value: '1' },
    });
    const withOld = wire(
      stored(9, { type: 'FEATURE_CREATED', key: 'f', payload: { on: true }, oldValue: { on: 0 } }),
    );
    assert.equal(tweekUpdate(withOld).oldValue, null);
    assert.deepEqual(tweekUpdate(withOld).newValue, { on: true });
  });

  it('a delete has newValue null and the deleted object as oldValue', () => {
    assert.deepEqual(tweekUpdate(wire(COMMIT[3]!)), {
      keyPath: 'a/b',
      oldValue: { id: 'a/b', value: 'gone' },
      newValue: null,
    });
  });

  it('a delete that has an oldValue uses it', () => {
    const event = wire(stored(9, { type: 'USER_DELETED', key: 'u', payload: { p: 1 }, oldValue: { o: 1 } }));
    assert.deepEqual(tweekUpdate(event), { keyPath: 'u', oldValue: { o: 1 }, newValue: null });
  });

  it('a bulk delete (…S_DELETED) has newValue null and no oldValue unless given', () => {
    const bulk = wire(stored(9, { type: 'CONFIGS_DELETED', key: 'a:*', payload: { count: 3 } }));
    assert.deepEqual(tweekUpdate(bulk), { keyPath: 'a:*', oldValue: null, newValue: null });
    const withOld = wire(stored(9, { type: 'FEATURES_DELETED', key: 'k', payload: 2, oldValue: ['a', 'b'] }));
    assert.deepEqual(tweekUpdate(withOld), { keyPath: 'k', oldValue: ['a', 'b'], newValue: null });
  });

  it('other types of the catalogue follow the same suffix rules', () => {
    const variantCreated = wire(stored(9, { type: 'VARIANT_BINDING_CREATED', key: 'v', payload: 'A' }));
    assert.deepEqual(tweekUpdate(variantCreated), { keyPath: 'v', oldValue: null, newValue: 'A' });
    const eventDeleted = wire(
      stored(9, { type: 'EXPERIMENT_VARIANT_EVENT_DELETED', key: 'e', payload: 'x' }),
    );
    assert.deepEqual(tweekUpdate(eventDeleted), { keyPath: 'e', oldValue: 'x', newValue: null });
  });

  it('an update without oldValue has oldValue null', () => {
    const event = wire(stored(9, { type: 'CONFIG_UPDATED', key: 'k', payload: { v: 1 } }));
    assert.deepEqual(tweekUpdate(event), { keyPath: 'k', oldValue: null, newValue: { v: 1 } });
  });

  it('keeps falsy values as they are, not as null', () => {
    const event = wire(stored(9, { type: 'CONFIG_UPDATED', key: 'k', payload: 0, oldValue: false }));
    assert.deepEqual(tweekUpdate(event), { keyPath: 'k', oldValue: false, newValue: 0 });
    const empty = wire(stored(9, { type: 'CONFIG_UPDATED', key: 'k', payload: '', oldValue: '' }));
    assert.deepEqual(tweekUpdate(empty), { keyPath: 'k', oldValue: '', newValue: '' });
  });
});

describe('tweekAuthor', () => {
  it('is the commit’s author', () => {
    assert.deepEqual(tweekAuthor(COMMIT.map(wire)), AUTHOR);
  });

  it('is the first author found when the first event has none', () => {
    const events = [wire(stored(0, { type: 'CONFIG_UPDATED', key: 'k', payload: 1 })), wire(COMMIT[1]!)];
    assert.deepEqual(tweekAuthor(events), AUTHOR);
  });

  it('falls back to the publishing key’s name with an empty email', () => {
    const events = [wire(stored(0, { type: 'CONFIG_UPDATED', key: 'k', payload: 1 }))];
    assert.deepEqual(tweekAuthor(events), { name: 'publisher', email: '' });
  });

  it('uses the clientId when the key’s name is empty', () => {
    const event = wire(
      stored(0, { type: 'CONFIG_UPDATED', key: 'k', payload: 1, authInfo: { clientId: 'ci-7', name: '' } }),
    );
    assert.deepEqual(tweekAuthor([event]), { name: 'ci-7', email: '' });
  });

  it('is UNKNOWN_AUTHOR with neither author nor authInfo', () => {
    const event = wire(stored(0, { type: 'CONFIG_UPDATED', key: 'k', payload: 1, authInfo: null }));
    assert.deepEqual(tweekAuthor([event]), { name: 'unknown', email: '' });
    assert.deepEqual(tweekAuthor([]), UNKNOWN_AUTHOR);
  });

  it('has exactly name and email, even if the stored author had more', () => {
    const event = { ...wire(COMMIT[0]!), author: { name: 'n', email: 'e', extra: 1 } as Author };
    assert.deepEqual(tweekAuthor([event]), { name: 'n', email: 'e' });
  });
});

describe('tweekPayload / tweekBody', () => {
  it('the issue’s commit, matched by `a/b/*`: the author and two updates, oldValue null for the create', () => {
    const matched = [COMMIT[0]!, COMMIT[1]!].map(wire);
    const body = JSON.parse(tweekBody(matched));
    assert.deepEqual(body, {
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      updates: [
        { keyPath: 'a/b/c', oldValue: null, newValue: { id: 'a/b/c', value: '1' } },
        {
          keyPath: 'a/b/c/d',
          oldValue: { id: 'a/b/c/d', value: 'old' },
          newValue: { id: 'a/b/c/d', value: 'new' },
        },
      ],
    });
  });

  it('keeps commit order and one update per event', () => {
    const payload = tweekPayload(COMMIT.map(wire));
    assert.deepEqual(
      payload.updates.map((u) => u.keyPath),
      ['a/b/c', 'a/b/c/d', 'x/y', 'a/b'],
    );
  });

  it('has exactly the members author and updates, and null rather than missing values', () => {
    const body = tweekBody([wire(COMMIT[0]!)]);
    const parsed = JSON.parse(body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed).sort(), ['author', 'updates']);
    assert.match(body, /"oldValue":null/);
  });
});

describe('deliveryBody', () => {
  it('joins the stored JSON for an Izanami hook', () => {
    assert.equal(deliveryBody('izanami', COMMIT), izanamiBody(COMMIT));
  });

  it('reshapes the stored JSON for a Tweek hook', () => {
    assert.equal(deliveryBody('tweek', COMMIT), tweekBody(COMMIT.map(wire)));
  });

  it('throws on a string that is not JSON for a Tweek hook', () => {
    assert.throws(() => deliveryBody('tweek', ['{not json']), SyntaxError);
  });
});

describe('pingBody', () => {
  const now = new Date(Date.UTC(2026, 10, 24, 11, 1, 0, 469));

  it('is an empty Izanami delivery with a ping member', () => {
    assert.deepEqual(JSON.parse(pingBody('izanami', 'hook-1', now)), {
      objectsEdited: [],
      ping: { hookId: 'hook-1', sentAt: '2026-11-24T11:01:00.469Z' },
    });
  });

  it('is an empty Tweek delivery with the relay as author and a ping member', () => {
    assert.deepEqual(JSON.parse(pingBody('tweek', 'hook-2', now)), {
      author: RELAY_AUTHOR,
      updates: [],
      ping: { hookId: 'hook-2', sentAt: '2026-11-24T11:01:00.469Z' },
    });
  });

  it('escapes the hook id as JSON', () => {
    const id = 'we"ird\\id';
    const parsed = JSON.parse(pingBody('izanami', id, now)) as { ping: { hookId: string } };
    assert.equal(parsed.ping.hookId, id);
  });
});
