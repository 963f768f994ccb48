import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertExactlyOnceInOrder,
  configEvent,
  eventsPath,
  newAdmin,
  publish,
  ResumingListener,
  randomPrefix,
  readyStatus,
  relayEnv,
  waitUntil,
  within,
} from '../helpers/e2e-kit.js';
import { formatSummary } from '../helpers/fault-tally.js';
import { runRedisOutage } from '../helpers/faults/redis-outage.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { storedEvents } from '../helpers/stream-entries.js';

/**
 * Redis dies (SIGKILL) under a listening client, a publisher and webhook deliveries, then comes back from its
 * AOF; or it freezes (SIGSTOP). While it is away the relay says so (/ready 503) and refuses publishes at once
 * with a 503 the client can retry; afterwards no acknowledged event is missing, from the stream, from what the
 * listener received, or from what the receiver got.
 */
describe('Redis outages under traffic', () => {
  const admin = newAdmin();
  const prefix = randomPrefix();
  let redis: TestRedis;
  let relay: RelayProcess;
  const listeners: ResumingListener[] = [];
  /** The redis-server pid while it is stopped (SIGSTOP), to let it go in after() if a check failed. */
  let frozen: number | undefined;

  before(async () => {
    redis = await startTestRedis();
    relay = await spawnRelay(relayEnv(redis.url, prefix, admin));
  });

  after(async () => {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
    for (const l of listeners) l.closeAll();
    await relay?.kill('SIGKILL');
    await redis?.stop();
  });

  it('down 10 s (SIGKILL, back from its AOF): publishes fail fast with 503, nothing partial, nothing acknowledged lost; listeners resume and deliveries continue', async (t) => {
    const result = await runRedisOutage({
      outageMs: 10_000,
      eventsAround: 100,
      progress: (line) => t.diagnostic(line),
    });
    t.diagnostic(formatSummary(result.summary));
    t.diagnostic(
      `refused ${result.refused} publishes, the slowest answer in ${result.slowestRefusalMs} ms; ` +
        `/ready 503 after ${result.readyDownAfterMs} ms, 200 again ${result.readyUpAfterMs} ms after the restart`,
    );
    assert.deepEqual(result.otherFailures, [], 'every failed publish was a 503 RELAY_ERR_REDIS_UNAVAILABLE');
    assert.ok(result.refused >= 10, `publishes met the outage (${result.refused})`);
    // a hang would last the fail-fast connection's 5 s command timeout, or the whole outage
    assert.ok(result.slowestRefusalMs < 2000, `a refusal took ${result.slowestRefusalMs} ms`);
    assert.equal(result.partialCommits, 0, 'commits stored in part');
    assert.equal(result.ackedNotStored, 0, 'acknowledged events missing from the stream');
    assert.deepEqual(
      { lost: result.sse.lost, duplicates: result.sse.duplicates, outOfOrder: result.sse.outOfOrder },
      { lost: 0, duplicates: 0, outOfOrder: 0 },
      'the listener',
    );
    assert.equal(result.deliveries.lost, 0, 'deliveries lost');
    assert.equal(result.deliveries.unexpected, 0);
  });

  it('Redis frozen (SIGSTOP, no connection reset): publishes and /ready answer 503 without hanging, and all resumes on SIGCONT', async () => {
    const keyPrefix = 'frozen';
    const frozenListener = new ResumingListener(eventsPath(keyPrefix), admin);
    listeners.push(frozenListener);
    await frozenListener.connect(relay.baseUrl);
    const acked: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await publish(relay.baseUrl, admin, configEvent(keyPrefix, i));
      assert.equal(res.status, 201);
      acked.push(...res.events.map((e) => e._id));
    }
    const info = await redis.client.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    assert.ok(pid > 0, 'the redis-server pid');

    process.kill(pid, 'SIGSTOP');
    frozen = pid;
    const [refused, ready] = await within(
      Promise.all([
        publish(relay.baseUrl, admin, configEvent(keyPrefix, 10), 15_000),
        readyStatus(relay.baseUrl),
      ]),
      15_000,
      'a publish and /ready while Redis is frozen',
    );
    assert.equal(
      refused.status,
      503,
      `publish while Redis is frozen: ${refused.status} ${refused.failure ?? ''}`,
    );
    assert.equal(refused.errorCode, 'RELAY_ERR_REDIS_UNAVAILABLE');
    assert.equal(ready, 503);
    process.kill(pid, 'SIGCONT');
    frozen = undefined;

    await waitUntil(
      async () => (await readyStatus(relay.baseUrl)) === 200,
      '/ready to answer 200 again',
      30_000,
      100,
    );
    for (let i = 11; i < 20; i++) {
      const res = await publish(relay.baseUrl, admin, configEvent(keyPrefix, i));
      assert.equal(res.status, 201);
      acked.push(...res.events.map((e) => e._id));
    }
    const inStream = (await storedEvents(redis.client, prefix, keyPrefix)).map((e) => e.id);
    const stored = new Set(inStream);
    assert.deepEqual(
      acked.filter((id) => !stored.has(id)),
      [],
    );
    await frozenListener.follow(relay.baseUrl, Math.max(...inStream));
    frozenListener.closeAll();
    assertExactlyOnceInOrder(frozenListener.frames(), inStream);
  });
});
