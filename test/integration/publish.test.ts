import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { relayKeys } from '../../src/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  expectError,
  listen,
  publish,
  type RelayEvent,
  streamEntries,
  streamLength,
} from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { type Credentials, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;

function assertConsecutive(events: readonly RelayEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.equal(
      (events[i] as RelayEvent)._id,
      (events[i - 1] as RelayEvent)._id + 1,
      `ids consecutive at ${i}`,
    );
  }
}

describe('POST /api/events', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let publisher: Credentials;
  const open: SseConnection[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    publisher = await relay.createKey({ name: 'publisher app' });
  });
  after(async () => {
    for (const sse of open) sse.close();
    await relay.stop();
    await redis.stop();
  });

  it('stores a single event and answers 201 {events:[it]} with _id, timestamp, domain and authInfo', async () => {
    const before = Date.now();
    const res = await relay.request('/api/events', {
      method: 'POST',
      as: publisher,
      json: { type: 'CONFIG_CREATED', key: 'demo:title', payload: { id: 'demo:title', value: '"T"' } },
    });
    assert.equal(res.status, 201);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { events: RelayEvent[] };
    assert.deepEqual(Object.keys(body), ['events']);
    assert.equal(body.events.length, 1);
    const [event] = body.events as [RelayEvent];
    assert.ok(Number.isSafeInteger(event._id) && event._id > 0, 'a safe positive integer _id');
    assert.deepEqual(event, {
      _id: event._id,
      type: 'CONFIG_CREATED',
      key: 'demo:title',
      domain: 'Config',
      payload: { id: 'demo:title', value: '"T"' },
      authInfo: { clientId: publisher.clientId, name: 'publisher app' },
      timestamp: event.timestamp,
    });
    assert.equal('oldValue' in event, false, 'no oldValue when none was given');
    assert.equal('author' in event, false, 'no author on a single event');
    assert.match(event.timestamp, TIMESTAMP);
    // _id = ms × 1000 + seq of its stream entry, and the timestamp is that millisecond in UTC
    const ms = Math.floor(event._id / 1000);
    const entries = await redis.client.xrange(
      relayKeys(relay.config.redisKeyPrefix).events,
      `${ms}-${event._id % 1000}`,
      `${ms}-${event._id % 1000}`,
    );
    assert.equal(entries.length, 1, 'the stream holds the entry ms-seq');
    assert.equal(event.timestamp, new Date(ms).toISOString().slice(0, 23));
    assert.ok(ms >= before - 60_000 && ms <= Date.now() + 60_000, 'the id carries the current time');
  });

  it('gives strictly increasing _ids across publishes', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [e] = await publish(relay, configEvent(`inc:${i}`));
      ids.push((e as RelayEvent)._id);
    }
    for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as number) > (ids[i - 1] as number));
  });

  it('stores a commit with consecutive ids, the author on each event and oldValue only where given', async () => {
    const author = { name: 'Ada', email: 'ada@example.com' };
    const events = await publish(
      relay,
      {
        author,
        events: [
          { type: 'FEATURE_CREATED', key: 'demo:f', payload: { id: 'demo:f', enabled: true } },
          {
            type: 'FEATURE_UPDATED',
            key: 'demo:f',
            payload: { id: 'demo:f', enabled: false },
            oldValue: { id: 'demo:f', enabled: true },
          },
          { type: 'FEATURE_DELETED', key: 'demo:f', payload: { id: 'demo:f' } },
        ],
      },
      publisher,
    );
    assert.equal(events.length, 3);
    assertConsecutive(events);
    for (const e of events) {
      assert.deepEqual(e.author, author);
      assert.deepEqual(e.authInfo, { clientId: publisher.clientId, name: 'publisher app' });
      assert.equal(e.domain, 'Feature');
      assert.match(e.timestamp, TIMESTAMP);
    }
    assert.deepEqual(
      events.map((e) => e.type),
      ['FEATURE_CREATED', 'FEATURE_UPDATED', 'FEATURE_DELETED'],
    );
    assert.equal('oldValue' in (events[0] as RelayEvent), false);
    assert.deepEqual(events[1]?.oldValue, { id: 'demo:f', enabled: true });
    assert.equal('oldValue' in (events[2] as RelayEvent), false);
  });

  it('marks the entries of a commit with how many follow and (after the first) its first entry, single events not at all', async () => {
    const commit = await publish(relay, { events: [1, 2, 3].map((i) => configEvent(`commit:${i}`)) });
    const [single] = await publish(relay, configEvent('commit:single'));
    const toStreamId = (e: RelayEvent) => `${Math.floor(e._id / 1000)}-${e._id % 1000}`;
    const entries = new Map(await streamEntries(redis, relay));
    const fields = (e: RelayEvent) => {
      const list = entries.get(toStreamId(e)) ?? [];
      return Object.fromEntries(list.flatMap((v, i) => (i % 2 === 0 ? [[v, list[i + 1]]] : [])));
    };
    const first = toStreamId(commit[0] as RelayEvent);
    assert.deepEqual(
      commit.map((e) => [fields(e).c, fields(e).r]),
      [
        [undefined, '2'],
        [first, '1'],
        [first, '0'],
      ],
    );
    assert.equal(fields(single as RelayEvent).c, undefined);
    assert.equal(fields(single as RelayEvent).k, 'commit:single');
  });

  it('derives the domain from the type, and accepts a domain that agrees with it', async () => {
    const cases: [string, string][] = [
      ['CONFIG_DELETED', 'Config'],
      ['FEATURE_UPDATED', 'Feature'],
      ['GLOBALSCRIPT_CREATED', 'Script'],
      ['VARIANT_BINDING_CREATED', 'Experiment'],
      ['EXPERIMENT_VARIANT_EVENT_CREATED', 'Experiment'],
      ['USER_CREATED', 'User'],
    ];
    const events = await publish(relay, {
      events: cases.map(([type]) => ({ type, key: `dom:${type}`, payload: null })),
    });
    assert.deepEqual(
      events.map((e) => [e.type, e.domain]),
      cases,
    );
    const [agreed] = await publish(relay, {
      type: 'GLOBALSCRIPT_UPDATED',
      domain: 'Script',
      key: 'dom:s',
      payload: {},
    });
    assert.equal(agreed?.domain, 'Script');
  });

  it('appends a commit of 1000 events atomically: consecutive ids, and a listener receives all of them', async () => {
    const sse = await listen(relay, '/api/events?patterns=bulk:*');
    open.push(sse);
    const lengthBefore = await streamLength(redis, relay);
    const events = await publish(relay, {
      events: Array.from({ length: 1000 }, (_, i) => configEvent(`bulk:${i}`, i)),
    });
    assert.equal(events.length, 1000);
    assertConsecutive(events);
    assert.deepEqual(
      events.map((e) => e.key),
      Array.from({ length: 1000 }, (_, i) => `bulk:${i}`),
    );
    assert.equal(await streamLength(redis, relay), lengthBefore + 1000);
    await sse.waitFor((c) => c.events().length >= 1000);
    assert.deepEqual(
      sse.events().map((e) => e._id),
      events.map((e) => e._id),
    );
    assert.deepEqual(sse.events(), events);
  });

  it('answers a retry with the same Idempotency-Key with the first response and appends nothing', async () => {
    const body = {
      author: { name: 'ci', email: 'ci@example.com' },
      events: [configEvent('idem:a', 1), configEvent('idem:b', 2)],
    };
    const headers = { 'Idempotency-Key': 'retry-1' };
    const first = await relay.request('/api/events', { method: 'POST', json: body, headers, as: publisher });
    assert.equal(first.status, 201);
    const firstText = await first.text();
    const lengthAfterFirst = await streamLength(redis, relay);
    for (let i = 0; i < 3; i++) {
      const again = await relay.request('/api/events', {
        method: 'POST',
        json: body,
        headers,
        as: publisher,
      });
      assert.equal(again.status, 201);
      assert.equal(await again.text(), firstText, 'identical body');
    }
    assert.equal(await streamLength(redis, relay), lengthAfterFirst, 'nothing appended by the retries');
  });

  it('refuses an Idempotency-Key reused with a different body: 422, nothing appended', async () => {
    const headers = { 'Idempotency-Key': 'reuse-1' };
    const first = await relay.request('/api/events', {
      method: 'POST',
      json: configEvent('reuse:a', 1),
      headers,
      as: publisher,
    });
    assert.equal(first.status, 201);
    const length = await streamLength(redis, relay);
    const other = await relay.request('/api/events', {
      method: 'POST',
      json: configEvent('reuse:a', 2),
      headers,
      as: publisher,
    });
    await expectError(other, 422, 'RELAY_ERR_IDEMPOTENCY_KEY_REUSED');
    assert.equal(await streamLength(redis, relay), length);
  });

  it('scopes Idempotency-Keys per client: another key with the same Idempotency-Key appends its own events', async () => {
    const other = await relay.createKey({ name: 'other app' });
    const headers = { 'Idempotency-Key': 'shared-key' };
    const body = configEvent('scope:a', 1);
    const firstRes = await relay.request('/api/events', {
      method: 'POST',
      json: body,
      headers,
      as: publisher,
    });
    assert.equal(firstRes.status, 201);
    const first = ((await firstRes.json()) as { events: RelayEvent[] }).events;
    const length = await streamLength(redis, relay);
    const secondRes = await relay.request('/api/events', { method: 'POST', json: body, headers, as: other });
    assert.equal(secondRes.status, 201);
    const second = ((await secondRes.json()) as { events: RelayEvent[] }).events;
    assert.equal(await streamLength(redis, relay), length + 1, 'the other client appended');
    assert.ok((second[0] as RelayEvent)._id > (first[0] as RelayEvent)._id);
    assert.deepEqual(second[0]?.authInfo, { clientId: other.clientId, name: 'other app' });
  });
});
