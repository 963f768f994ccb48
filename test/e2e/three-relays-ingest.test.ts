import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newAdmin, randomPrefix, relayEnv, sleep, waitUntil } from '../helpers/e2e-kit.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { keyHeaders } from '../helpers/test-relay.js';

/**
 * Izanami's own Redis event store publishes every event on `izanami:events`. Three relay processes subscribed
 * to it must append each message once (not three times), and every relay's listeners must see it once.
 */
describe('pub/sub ingest with three relay processes on one Redis', () => {
  const admin = newAdmin();
  const prefix = randomPrefix();
  const stream = `{${prefix}}:events`;
  let redis: TestRedis;
  let relays: RelayProcess[] = [];
  const listeners: SseConnection[] = [];

  before(async () => {
    redis = await startTestRedis();
    const env = relayEnv(redis.url, prefix, admin);
    relays = await Promise.all([spawnRelay(env), spawnRelay(env), spawnRelay(env)]);
  });

  after(async () => {
    for (const l of listeners) l.close();
    await Promise.all(relays.map((r) => r.kill('SIGKILL')));
    await redis?.stop();
  });

  /** A message as Izanami's Redis event store writes it. */
  function izanamiMessage(n: number): string {
    const key = `ingest:flag:${n}`;
    return JSON.stringify({
      _id: 1_000_000_000 + n,
      type: 'FEATURE_UPDATED',
      key,
      domain: 'Feature',
      payload: { id: key, enabled: n % 2 === 0, activationStrategy: 'NO_STRATEGY' },
      oldValue: { id: key, enabled: n % 2 === 1, activationStrategy: 'NO_STRATEGY' },
      authInfo: null,
      timestamp: '2017-12-18T13:58:17.841',
    });
  }

  it('appends each of N published messages once, and each relay streams each once', async () => {
    const n = 200;
    for (const relay of relays) {
      const sse = await openSse(
        `${relay.baseUrl}/api/events?domains=Feature&patterns=ingest:*`,
        keyHeaders(admin),
      );
      assert.equal(sse.status, 200);
      listeners.push(sse);
    }
    const before = await redis.client.xlen(stream);

    for (let i = 0; i < n; i++) {
      const receivers = await redis.client.publish('izanami:events', izanamiMessage(i));
      assert.equal(receivers, 3, 'the three relays are subscribed');
      if (i % 20 === 19) await sleep(5);
    }

    await waitUntil(
      async () => (await redis.client.xlen(stream)) >= before + n,
      `XLEN to reach ${before + n}`,
    );
    for (const sse of listeners) await sse.waitFor((c) => c.events().length >= n, 15_000);
    // a late second append of any message would show up here
    await sleep(500);
    assert.equal(await redis.client.xlen(stream), before + n, 'XLEN grew by exactly N');

    const entries = (await redis.client.xrange(stream, '-', '+')) as [string, string[]][];
    const streamIds = entries
      .filter(([, fields]) => fields[fields.indexOf('k') + 1]?.startsWith('ingest:'))
      .map(([id]) => {
        const [ms, seq] = id.split('-').map(Number) as [number, number];
        return ms * 1000 + seq;
      });
    assert.equal(streamIds.length, n);

    const wantKeys = Array.from({ length: n }, (_, i) => `ingest:flag:${i}`).sort();
    for (const [i, sse] of listeners.entries()) {
      const events = sse.events();
      assert.equal(events.length, n, `relay ${i} streamed each message once`);
      assert.deepEqual(
        events.map((e) => e._id),
        streamIds,
        `relay ${i} streamed the stream's entries in order`,
      );
      assert.deepEqual(events.map((e) => e.key as string).sort(), wantKeys, `relay ${i} got every message`);
      for (const e of events) {
        assert.equal(e.type, 'FEATURE_UPDATED');
        assert.equal(e.domain, 'Feature');
        assert.equal((e.payload as { id: string }).id, e.key);
      }
    }
  });
});
