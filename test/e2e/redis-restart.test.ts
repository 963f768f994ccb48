import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertExactlyOnceInOrder,
  configEvent,
  eventsPath,
  newAdmin,
  Publisher,
  publish,
  ResumingListener,
  randomPrefix,
  relayEnv,
  waitUntil,
  within,
} from '../helpers/e2e-kit.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';

async function readyStatus(relay: RelayProcess): Promise<number> {
  const res = await fetch(`${relay.baseUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Redis dies (SIGKILL) under a listening client and a publisher, then comes back from its AOF. While it is away
 * the relay says so (/ready 503) and refuses publishes at once with a 503 the client can retry; afterwards no
 * acknowledged event is missing, from the stream or from what the listener received.
 */
describe('Redis outages under traffic', () => {
  const admin = newAdmin();
  const prefix = randomPrefix();
  const stream = `{${prefix}}:events`;
  let redis: TestRedis;
  let relay: RelayProcess;
  let listener: ResumingListener | undefined;
  let publisher: Publisher | undefined;
  const listeners: ResumingListener[] = [];
  /** The redis-server pid while it is stopped (SIGSTOP), to let it go in after() if a check failed. */
  let frozen: number | undefined;

  before(async () => {
    redis = await startTestRedis();
    relay = await spawnRelay(relayEnv(redis.url, prefix, admin));
  });

  after(async () => {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
    listener?.closeAll();
    for (const l of listeners) l.closeAll();
    await publisher?.stop();
    await relay?.kill('SIGKILL');
    await redis?.stop();
  });

  it('/ready 503 then 200, publishes fail fast with 503, no acknowledged event lost or repeated', async () => {
    const keyPrefix = 'outage';
    listener = new ResumingListener(eventsPath(keyPrefix), admin);
    await listener.connect(relay.baseUrl);
    assert.equal(await readyStatus(relay), 200);
    publisher = new Publisher({
      target: () => relay.baseUrl,
      creds: admin,
      total: 400,
      keyPrefix,
      pauseMs: 5,
    });
    publisher.start();
    await waitUntil(() => (publisher as Publisher).acked.length >= 100, '100 acknowledged events');

    await redis.kill();
    await waitUntil(async () => (await readyStatus(relay)) === 503, '/ready to answer 503', 10_000, 50);

    for (let i = 0; i < 5; i++) {
      const res = await within(
        publish(relay.baseUrl, admin, configEvent('down', i)),
        10_000,
        'a publish while Redis is down',
      );
      assert.equal(res.status, 503, `publish while Redis is down: ${res.status} ${res.failure ?? ''}`);
      assert.equal(res.errorCode, 'RELAY_ERR_REDIS_UNAVAILABLE');
    }
    // keep Redis away long enough for the publisher to meet it a good number of times
    await waitUntil(() => (publisher as Publisher).failed.length >= 100, '100 refused publishes', 15_000);
    assert.ok(publisher.acked.length < 400, 'the publisher was still running during the outage');

    await redis.start();
    await waitUntil(
      async () => (await readyStatus(relay)) === 200,
      '/ready to answer 200 again',
      30_000,
      100,
    );

    await within(publisher.done, 60_000, 'the publisher finishing after the restart');
    assert.equal(publisher.acked.length, 400);
    assert.ok(publisher.failed.length > 0, 'some publishes met the outage');
    for (const failure of publisher.failed) {
      assert.equal(failure.status, 503, `a failed publish: ${failure.status} ${failure.failure ?? ''}`);
      assert.equal(failure.errorCode, 'RELAY_ERR_REDIS_UNAVAILABLE');
      assert.ok(failure.elapsedMs < 10_000, 'a failed publish did not hang');
    }

    // every acknowledged event survived the crash (appendfsync always)
    const entries = (await redis.client.xrange(stream, '-', '+')) as [string, string[]][];
    const inStream = entries
      .filter(([, fields]) => fields[fields.indexOf('k') + 1]?.startsWith(`${keyPrefix}:`))
      .map(([id]) => {
        const [ms, seq] = id.split('-').map(Number) as [number, number];
        return ms * 1000 + seq;
      });
    const stored = new Set(inStream);
    assert.deepEqual(
      publisher.ackedIds.filter((id) => !stored.has(id)),
      [],
      'acknowledged events missing from the stream',
    );
    // nothing refused reached the stream (a 503 means "not appended")
    assert.equal(await redis.client.xlen(stream), entries.length);
    assert.equal(
      entries.filter(([, fields]) => fields[fields.indexOf('k') + 1]?.startsWith('down:')).length,
      0,
    );

    // the listener gets all of it, resuming with Last-Event-Id if the outage cut its stream
    await listener.follow(relay.baseUrl, Math.max(...inStream));
    listener.closeAll();
    assertExactlyOnceInOrder(listener.frames(), inStream);
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
      Promise.all([publish(relay.baseUrl, admin, configEvent(keyPrefix, 10), 15_000), readyStatus(relay)]),
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
      async () => (await readyStatus(relay)) === 200,
      '/ready to answer 200 again',
      30_000,
      100,
    );
    for (let i = 11; i < 20; i++) {
      const res = await publish(relay.baseUrl, admin, configEvent(keyPrefix, i));
      assert.equal(res.status, 201);
      acked.push(...res.events.map((e) => e._id));
    }
    const inStream = ((await redis.client.xrange(stream, '-', '+')) as [string, string[]][])
      .filter(([, fields]) => fields[fields.indexOf('k') + 1]?.startsWith(`${keyPrefix}:`))
      .map(([id]) => {
        const [ms, seq] = id.split('-').map(Number) as [number, number];
        return ms * 1000 + seq;
      });
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
