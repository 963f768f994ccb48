import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertExactlyOnceInOrder,
  configEvent,
  eventsPath,
  newAdmin,
  openRawStream,
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
import { keyHeaders } from '../helpers/test-relay.js';

/**
 * A relay is stopped the polite way (SIGTERM, as an orchestrator does on a deploy) with listeners connected:
 * their streams end cleanly, the process exits 0, and the listeners resume on another relay with
 * Last-Event-Id, missing nothing.
 */
describe('SIGTERM of a relay with open SSE streams', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let relayA: RelayProcess;
  let relayB: RelayProcess;
  const listeners: ResumingListener[] = [];
  let publisher: Publisher | undefined;
  let closeRaw: (() => void) | undefined;
  const extraRelays: RelayProcess[] = [];

  before(async () => {
    redis = await startTestRedis();
    const env = relayEnv(redis.url, randomPrefix(), admin);
    // A long forced-close delay, so a shutdown that does not end its streams by itself shows as a hang
    [relayA, relayB] = await Promise.all([
      spawnRelay({ ...env, SHUTDOWN_TIMEOUT_MS: '60000' }),
      spawnRelay(env),
    ]);
  });

  after(async () => {
    for (const l of listeners) l.closeAll();
    closeRaw?.();
    await publisher?.stop();
    await Promise.all([relayA, relayB, ...extraRelays].map((r) => r?.kill('SIGKILL')));
    await redis?.stop();
  });

  it('ends the streams cleanly, exits 0, and the listeners resume on another relay without a gap', async () => {
    const keyPrefix = 'term';
    // live, domain route, and one that started with a replay
    const paths = [
      eventsPath(keyPrefix),
      `/api/events/Config?patterns=${keyPrefix}:*`,
      eventsPath(keyPrefix),
    ];
    for (const [i, path] of paths.entries()) {
      const listener = new ResumingListener(path, admin);
      listeners.push(listener);
      await listener.connect(relayA.baseUrl, i === 2 ? 0 : undefined);
    }
    const raw = openRawStream(`${relayA.baseUrl}${eventsPath(keyPrefix)}`, keyHeaders(admin));
    closeRaw = raw.close;
    assert.equal(await raw.opened, 200);

    // half the publishes go to relay A while it runs: those in flight at SIGTERM must complete (201, and then
    // they are in the stream) or be refused (503 shutting down, or the connection refused once it closed)
    const aRuns = () => relayA.child.exitCode === null && relayA.child.signalCode === null;
    publisher = new Publisher({
      target: (i) => (i % 2 === 0 && aRuns() ? relayA : relayB).baseUrl,
      creds: admin,
      total: 400,
      keyPrefix,
    });
    publisher.start();
    for (const l of listeners) await l.waitForIds((ids) => ids.length >= 100);

    const exitCode = within(relayA.kill('SIGTERM'), 20_000, 'relay A exiting after SIGTERM');
    const ends = await within(
      Promise.all(listeners.map((l) => (l.current as NonNullable<typeof l.current>).ended)),
      10_000,
      'the SSE streams of relay A ending',
    );
    assert.equal(ends.length, 3);
    const rawEnd = await within(raw.end, 10_000, 'the raw stream ending');
    assert.equal(rawEnd.complete, true, 'the stream ended with its last chunk, not a reset');
    assert.ok(rawEnd.body.length > 0 && rawEnd.body.endsWith('\n\n'), 'the stream ended between two frames');
    assert.equal(await exitCode, 0, 'relay A exited 0');
    assert.ok(
      relayA.lines.some((l) => l.includes('"relay stopped"')),
      'relay A logged its orderly stop',
    );
    assert.ok(publisher.acked.length < 400, 'events were still being published during the shutdown');

    for (const l of listeners) {
      l.ended();
      await l.connect(relayB.baseUrl);
    }
    await publisher.done;
    for (const f of publisher.failed) {
      assert.ok(
        (f.status === 503 && f.errorCode === 'RELAY_ERR_SHUTTING_DOWN') || f.status === 0,
        `a publish refused by the stopping relay: ${f.status} ${f.errorCode} ${f.failure}`,
      );
    }
    const expected = publisher.ackedIds;
    const last = Math.max(...expected);
    for (const [i, l] of listeners.entries()) {
      await l.follow(relayB.baseUrl, last);
      l.closeAll();
      assert.equal(l.connections, 2, `listener ${i} resumed once`);
      assertExactlyOnceInOrder(l.frames(), expected);
    }
  });

  it('while Redis is down, SIGTERM still ends the streams and exits 0; the listener resumes once Redis is back', async () => {
    const keyPrefix = 'term-down';
    const env = relayEnv(redis.url, randomPrefix(), admin, { SHUTDOWN_TIMEOUT_MS: '60000' });
    const [relayC, relayD] = await Promise.all([spawnRelay(env), spawnRelay(env)]);
    extraRelays.push(relayC, relayD);
    const listener = new ResumingListener(eventsPath(keyPrefix), admin);
    listeners.push(listener);
    const first = await listener.connect(relayC.baseUrl);
    const acked: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await publish(relayC.baseUrl, admin, configEvent(keyPrefix, i));
      assert.equal(res.status, 201);
      acked.push(...res.events.map((e) => e._id));
    }
    await listener.waitForIds((ids) => ids.length === 10);

    await redis.kill();
    await waitUntil(
      async () => (await fetch(`${relayC.baseUrl}/ready`)).status === 503,
      'relay C to notice that Redis is gone',
      10_000,
      50,
    );
    const exitCode = await within(
      relayC.kill('SIGTERM'),
      20_000,
      'relay C exiting after SIGTERM with Redis down',
    );
    assert.equal(exitCode, 0, `relay C exited 0:\n${relayC.lines.slice(-5).join('\n')}`);
    await within(first.ended, 10_000, "relay C's stream ending");

    await redis.start();
    await waitUntil(
      async () => (await fetch(`${relayD.baseUrl}/ready`)).status === 200,
      'relay D to see Redis back',
      30_000,
      100,
    );
    listener.ended();
    await listener.connect(relayD.baseUrl);
    for (let i = 10; i < 15; i++) {
      const res = await publish(relayD.baseUrl, admin, configEvent(keyPrefix, i));
      assert.equal(res.status, 201);
      acked.push(...res.events.map((e) => e._id));
    }
    await listener.follow(relayD.baseUrl, Math.max(...acked));
    listener.closeAll();
    assertExactlyOnceInOrder(listener.frames(), acked);
  });
});
