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
  within,
} from '../helpers/e2e-kit.js';
import { formatSummary } from '../helpers/fault-tally.js';
import { runRelayKills } from '../helpers/faults/relay-kills.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';

/**
 * A relay dies without warning (SIGKILL) under a listening client while events keep coming through another
 * relay. The client reconnects to a process started after the crash and resumes with Last-Event-Id.
 */
describe('SIGKILL of the relay a client listens on', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let env: Record<string, string>;
  const relays: RelayProcess[] = [];
  let listener: ResumingListener | undefined;
  let publisher: Publisher | undefined;

  before(async () => {
    redis = await startTestRedis();
    env = relayEnv(redis.url, randomPrefix(), admin);
  });

  after(async () => {
    listener?.closeAll();
    await publisher?.stop();
    await Promise.all(relays.map((r) => r.kill('SIGKILL')));
    await redis?.stop();
  });

  it('the client resumes on a new process and misses nothing, with no duplicate', async () => {
    const [relayA, relayB] = await Promise.all([spawnRelay(env), spawnRelay(env)]);
    relays.push(relayA, relayB);
    listener = new ResumingListener(eventsPath('crash'), admin);
    const first = await listener.connect(relayA.baseUrl);
    publisher = new Publisher({ target: () => relayB.baseUrl, creds: admin, total: 500, keyPrefix: 'crash' });
    publisher.start();

    await listener.waitForIds((ids) => ids.length >= 150);
    const exit = await within(relayA.kill('SIGKILL'), 10_000, 'SIGKILL of relay A');
    assert.equal(exit, null, 'relay A died of the signal');
    await within(first.ended, 10_000, 'the client noticing that relay A is gone');
    listener.ended();
    const seenBeforeCrash = listener.ids().length;
    assert.ok(publisher.acked.length < 500, 'the crash happened while events were still being published');

    const relayC = await spawnRelay(env);
    relays.push(relayC);
    await listener.connect(relayC.baseUrl);

    await publisher.done;
    assert.deepEqual(publisher.failed, [], 'relay B acknowledged every publish');
    const expected = publisher.ackedIds;
    const last = Math.max(...expected);
    await listener.waitForIds((ids) => ids.includes(last), 20_000);
    listener.closeAll();
    assert.ok(listener.ids().length > seenBeforeCrash, 'relay C delivered the rest');
    assertExactlyOnceInOrder(listener.frames(), expected);
  });
});

describe('20 SIGKILLs of the relay clients listen on, with publishers racing', () => {
  it('every acknowledged event is stored and reaches each listener once, in order, across 20 resumes', async (t) => {
    const result = await runRelayKills({
      kills: 20,
      listeners: 3,
      eventsBetweenKills: 15,
      progress: (line) => t.diagnostic(line),
    });
    t.diagnostic(formatSummary(result.summary));
    t.diagnostic(
      `requests cut by a kill and sent again with their Idempotency-Key: ${result.retriedRequests}`,
    );
    assert.equal(result.failedOnStable, 0, 'the relay that stays up acknowledged every publish');
    assert.equal(result.ackedNotStored, 0, 'acknowledged events missing from the stream');
    assert.equal(result.appendedTwice, 0, 'a retried publish appended twice');
    assert.deepEqual(result.connections, [21, 21, 21], 'each listener resumed after each kill');
    for (const [i, tally] of result.sse.entries()) {
      assert.deepEqual(
        {
          lost: tally.lost,
          duplicates: tally.duplicates,
          outOfOrder: tally.outOfOrder,
          unexpected: tally.unexpected,
        },
        { lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 },
        `listener ${i}`,
      );
      assert.equal(tally.received, tally.expected);
    }
    assert.ok((result.summary.acked ?? 0) >= 15 * 20, 'the publishers kept going through the kills');
  });
});
