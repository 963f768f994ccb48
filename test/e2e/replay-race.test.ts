import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertExactlyOnceInOrder,
  eventsPath,
  newAdmin,
  Publisher,
  ResumingListener,
  randomPrefix,
  relayEnv,
  sleep,
} from '../helpers/e2e-kit.js';
import { killClientConnections } from '../helpers/redis-connections.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';

/**
 * The replay handover under fire: a publisher keeps publishing while a listener disconnects and resumes with
 * Last-Event-Id 20 times. Whatever the timing (closing mid-replay, mid-live, resuming on a relay whose tail
 * reader lags the other's), the union of what it received is every acknowledged event, once, in order.
 */
describe('replay race: resuming with Last-Event-Id while events are being published', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let relayA: RelayProcess;
  let relayB: RelayProcess;
  const listeners: ResumingListener[] = [];
  const publishers: Publisher[] = [];

  before(async () => {
    redis = await startTestRedis();
    const env = relayEnv(redis.url, randomPrefix(), admin);
    [relayA, relayB] = await Promise.all([spawnRelay(env), spawnRelay(env)]);
  });

  after(async () => {
    for (const l of listeners) l.closeAll();
    await Promise.all(publishers.map((p) => p.stop()));
    await Promise.all([relayA, relayB].map((r) => r?.kill('SIGKILL')));
    await redis?.stop();
  });

  /**
   * 600 events in single events and small commits; 20 reconnects spread over the publishing, alternating
   * between closing once some new events arrived and closing at once or nearly (during or just after the
   * handover from replay to live).
   */
  async function race(
    keyPrefix: string,
    relayFor: (i: number) => RelayProcess,
    /** Runs before the i-th reconnect instead of the usual wait; resolves once it is time to reconnect. */
    beforeReconnect?: (i: number, listener: ResumingListener) => Promise<void>,
  ): Promise<void> {
    const total = 600;
    const reconnects = 20;
    const listener = new ResumingListener(eventsPath(keyPrefix), admin);
    listeners.push(listener);
    await listener.connect(relayFor(0).baseUrl);
    const publisher = new Publisher({
      target: (i) => relayFor(i).baseUrl,
      creds: admin,
      total,
      keyPrefix,
      pauseMs: 4,
    });
    publishers.push(publisher);
    publisher.start();

    for (let i = 1; i <= reconnects; i++) {
      if (beforeReconnect) {
        await beforeReconnect(i, listener);
      } else if (i % 2 === 1) {
        // close once this connection got something and the listener is roughly at its share of the events
        const goal = Math.floor((i * total) / (reconnects + 4));
        const before = listener.ids().length;
        await listener.waitForIds((ids) => ids.length > before && ids.length >= goal, 20_000);
      } else {
        await sleep(i % 4 === 0 ? 0 : 15);
      }
      listener.disconnect();
      await listener.connect(relayFor(i).baseUrl);
    }
    assert.equal(listener.connections, reconnects + 1);
    await publisher.done;
    assert.deepEqual(publisher.failed, [], 'every publish was acknowledged');
    assert.equal(publisher.acked.length, total);
    const expected = publisher.ackedIds;
    const last = Math.max(...expected);
    await listener.waitForIds((ids) => ids.includes(last), 20_000);
    // anything extra (a duplicate after the last id) would arrive right behind it
    await sleep(200);
    listener.closeAll();
    assertExactlyOnceInOrder(listener.frames(), expected);
  }

  it('20 reconnects to one relay process miss nothing and repeat nothing', async () => {
    await race('race-one', () => relayA);
  });

  it('20 reconnects alternating between two relay processes on the same Redis miss nothing and repeat nothing', async () => {
    await race('race-two', (i) => (i % 2 === 0 ? relayA : relayB));
  });

  it('20 reconnects, half of them to a relay whose tail reader is behind, miss nothing and repeat nothing', async () => {
    // Cutting relay B's tail connection from the Redis side holds its tail reader back (~100 ms before it
    // reconnects) while relay A keeps streaming: the listener then resumes on B with a Last-Event-Id that B's
    // tail reader has not reached yet, and B must neither replay it again nor skip what follows.
    await race(
      'race-lag',
      (i) => (i % 2 === 0 ? relayA : relayB),
      async (i, listener) => {
        const before = listener.ids().length;
        if (i % 2 === 1) {
          const cut = await killClientConnections(redis.client, relayB.child.pid as number, 'relay:tail');
          assert.equal(cut, 1, "relay B's tail connection was cut");
        }
        await listener.waitForIds((ids) => ids.length >= before + 3, 20_000);
      },
    );
  });
});
