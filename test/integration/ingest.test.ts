import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, listen, readMetric, streamEntries, streamLength } from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

const CHANNEL = 'izanami:events';

/** Izanami's ids are 64-bit longs, past 2^53: consecutive ones are equal once parsed as JSON numbers. */
let izanamiIds = 942711288101863450n;

/** A message as Izanami's Redis event store publishes it (each with its own Izanami `_id`, unless told not to). */
function izanamiMessage(key: string, withId = true, change: Record<string, unknown> = {}): string {
  izanamiIds += 1n;
  const body = JSON.stringify({
    ...izanamiFields(key),
    ...change,
  });
  // the id written as Izanami writes it: every digit of the long
  return withId ? `{"_id":${izanamiIds},${body.slice(1)}` : body;
}

function izanamiFields(key: string): Record<string, unknown> {
  return {
    type: 'FEATURE_UPDATED',
    key,
    domain: 'Feature',
    payload: { id: key, enabled: true, activationStrategy: 'NO_STRATEGY' },
    oldValue: { id: key, enabled: false, activationStrategy: 'NO_STRATEGY' },
    authInfo: { type: 'user', id: 'izanami-admin', name: 'Izanami Admin', email: 'admin@izanami.io' },
    timestamp: '2017-12-18T13:58:17.841',
  };
}

describe('Redis pub/sub ingest (izanami:events), two relay processes on one Redis', () => {
  let redis: TestRedis;
  let a: TestRelay;
  let b: TestRelay;
  const open: SseConnection[] = [];

  /** Sum of a counter over both relays. */
  const ingested = async (outcome: string) =>
    (await readMetric(a, 'relay_ingest_messages_total', { outcome })) +
    (await readMetric(b, 'relay_ingest_messages_total', { outcome }));

  before(async () => {
    redis = await startTestRedis();
    const prefix = `t${randomBytes(6).toString('hex')}`;
    a = await startTestRelay(redis.url, { REDIS_KEY_PREFIX: prefix });
    // same prefix and admin secret: the two are processes of one deployment
    b = await startTestRelay(redis.url, {
      REDIS_KEY_PREFIX: prefix,
      RELAY_ADMIN_CLIENT_SECRET: a.admin.clientSecret,
    });
  });
  after(async () => {
    for (const sse of open) sse.close();
    await b.stop();
    await a.stop();
    await redis.stop();
  });

  it('appends a published Izanami event once, and listeners of both relays receive it once', async () => {
    const onA = await listen(a, '/api/events?patterns=ing:*');
    const onB = await listen(b, '/api/events?patterns=ing:*', { as: a.admin });
    open.push(onA, onB);
    const length = await streamLength(redis, a);
    const appendedBefore = await ingested('appended');
    const duplicatesBefore = await ingested('duplicate');
    const message = izanamiFields('ing:one');
    const receivers = await redis.client.publish(CHANNEL, izanamiMessage('ing:one'));
    assert.ok(receivers >= 2, `both relays subscribe (${receivers} receivers)`);
    for (const sse of [onA, onB]) await sse.waitFor((c) => c.events().length >= 1);
    // both relays have handled it: one appended, the other found it done
    await eventually(
      async () =>
        (await ingested('appended')) + (await ingested('duplicate')) ===
        appendedBefore + duplicatesBefore + 2,
      'both relays handled the message',
    );
    assert.equal(await ingested('appended'), appendedBefore + 1);
    assert.equal(await streamLength(redis, a), length + 1);
    const [event] = onA.events();
    assert.deepEqual(onB.events(), onA.events());
    assert.equal(onA.events().length, 1);
    assert.equal(event?.type, 'FEATURE_UPDATED');
    assert.equal(event?.key, 'ing:one');
    assert.equal(event?.domain, 'Feature');
    assert.deepEqual(event?.payload, message.payload);
    assert.deepEqual(event?.oldValue, message.oldValue);
    assert.match(String(event?.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    // the relay gives its own id, as for any append
    const entries = await streamEntries(redis, a);
    const [lastId] = entries[entries.length - 1] ?? [''];
    const [ms, seq] = lastId.split('-').map(Number) as [number, number];
    assert.equal(event?._id, ms * 1000 + seq);
  });

  it('appends each of a burst of messages exactly once, with or without an Izanami _id', async () => {
    const length = await streamLength(redis, a);
    const handledBefore = (await ingested('appended')) + (await ingested('duplicate'));
    const count = 60;
    for (let i = 0; i < count; i++) {
      await redis.client.publish(CHANNEL, izanamiMessage(`burst:${i}`, i % 2 === 0));
    }
    await eventually(
      async () => (await ingested('appended')) + (await ingested('duplicate')) === handledBefore + 2 * count,
      'both relays handled every message',
    );
    assert.equal(await streamLength(redis, a), length + count);
    const keys = (await streamEntries(redis, a))
      .map(([, fields]) => fields[fields.indexOf('k') + 1] as string)
      .filter((k) => k.startsWith('burst:'));
    assert.deepEqual(
      keys,
      Array.from({ length: count }, (_, i) => `burst:${i}`),
      'each once, in publish order',
    );
  });

  it('drops invalid messages: logged, counted as invalid, nothing appended', async () => {
    const length = await streamLength(redis, a);
    const invalidBefore = await readMetric(a, 'relay_ingest_messages_total', { outcome: 'invalid' });
    const logsBefore = a.logs.length;
    const invalid = [
      'not json at all',
      izanamiMessage('bad:type', true, { type: 'FEATURE_EXPLODED' }),
      izanamiMessage('bad:domain', true, { domain: 'Config' }),
      JSON.stringify({ type: 'FEATURE_CREATED', payload: {} }),
      JSON.stringify([1, 2, 3]),
    ];
    for (const message of invalid) await redis.client.publish(CHANNEL, message);
    await eventually(
      async () =>
        (await readMetric(a, 'relay_ingest_messages_total', { outcome: 'invalid' })) ===
          invalidBefore + invalid.length &&
        (await readMetric(b, 'relay_ingest_messages_total', { outcome: 'invalid' })) >= invalid.length,
      'both relays counted every invalid message',
    );
    assert.equal(await streamLength(redis, a), length);
    const dropped = a.logs
      .slice(logsBefore)
      .map((line) => JSON.parse(line) as { level: string; message: string; error?: string })
      .filter((l) => /ingest/.test(l.message));
    assert.equal(
      dropped.length,
      invalid.length,
      `one log line per invalid message: ${JSON.stringify(dropped)}`,
    );
    for (const line of dropped) {
      assert.equal(line.level, 'warn');
      assert.equal(typeof line.error, 'string');
    }
    assert.ok(
      dropped.some((l) => /FEATURE_EXPLODED/.test(l.error ?? '')),
      'the reason is logged',
    );
  });

  it('ingests again after invalid messages', async () => {
    const sse = await listen(a, '/api/events?patterns=again:*');
    open.push(sse);
    await redis.client.publish(CHANNEL, izanamiMessage('again:1'));
    await sse.waitFor((c) => c.events().length >= 1);
    assert.equal(sse.events()[0]?.key, 'again:1');
  });
});
