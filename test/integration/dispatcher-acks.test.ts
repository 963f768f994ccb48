import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { groupReadAll as allRead, groupPending as pending } from '../helpers/dispatch-group.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { configEvent, eventually, publish } from '../helpers/relay-checks.js';
import { startTestRelay } from '../helpers/test-relay.js';

// DESIGN.md, Webhooks: the dispatcher enqueues, then XACKs. Its acknowledgements are grouped (at most a second
// apart, src/webhooks/ack-schedule.ts): one fsynced write per second rather than one per event read. Every
// handled entry is still acknowledged, soon after, and on stop at once.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function xackCalls(redis: TestRedis): Promise<number> {
  const stats = await redis.client.info('commandstats');
  const line = stats.split('\r\n').find((l) => l.startsWith('cmdstat_xack:'));
  return line ? Number(/calls=(\d+)/.exec(line)?.[1]) : 0;
}

describe('dispatcher acknowledgements', () => {
  let redis: TestRedis;

  before(async () => {
    redis = await startTestRedis();
  });

  after(async () => {
    await redis?.stop();
  });

  it('acknowledges every entry it read, in a few XACKs rather than one per read', async () => {
    const relay = await startTestRelay(redis.url);
    try {
      const before = await xackCalls(redis);
      const events = 20;
      // one at a time, apart: the dispatcher reads each event on its own
      for (let i = 0; i < events; i += 1) {
        await publish(relay, configEvent(`acks.one-by-one.${i}`, i));
        await sleep(30);
      }
      await eventually(async () => (await pending(redis, relay)) === 0, 'every entry acknowledged', 10_000);
      const acks = (await xackCalls(redis)) - before;
      assert.ok(acks >= 1, 'the entries were acknowledged with XACK');
      assert.ok(acks <= events / 4, `${acks} XACKs for ${events} events read one by one`);
    } finally {
      await relay.stop();
    }
  });

  it('acknowledges what it handled when it stops, without waiting for the interval', async () => {
    const relay = await startTestRelay(redis.url);
    let stopped = false;
    try {
      for (let i = 0; i < 3; i += 1) await publish(relay, configEvent(`acks.stop.${i}`, i));
      // read by the dispatcher (delivered to its consumer) before it stops
      await eventually(async () => allRead(redis, relay), 'the dispatcher read the three entries');
      await relay.stop();
      stopped = true;
      assert.equal(await pending(redis, relay), 0, 'nothing left pending after a clean stop');
    } finally {
      if (!stopped) await relay.stop();
    }
  });
});
