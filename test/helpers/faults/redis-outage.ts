import { deliveryJobId } from '../../../src/webhooks/delivery-job.js';
import {
  eventsPath,
  Publisher,
  ResumingListener,
  readyStatus,
  settle,
  sleep,
  waitUntil,
} from '../e2e-kit.js';
import {
  type DeliveryTally,
  type FaultSummary,
  type SseTally,
  tallyDeliveries,
  tallySse,
} from '../fault-tally.js';
import { answer } from '../receiver.js';
import { commitsOf, partialCommits, storedEvents } from '../stream-entries.js';
import { startRig } from './process-rig.js';

export interface RedisOutageOptions {
  /** How long Redis stays down (SIGKILL, then started again on the same AOF). */
  readonly outageMs: number;
  /** Events to get acknowledged before the outage and again after it. */
  readonly eventsAround: number;
  readonly progress?: (line: string) => void;
}

export interface RedisOutageResult {
  readonly summary: FaultSummary;
  readonly sse: SseTally;
  readonly deliveries: DeliveryTally;
  /** Publishes answered 503 RELAY_ERR_REDIS_UNAVAILABLE during the outage. */
  readonly refused: number;
  /** The slowest of those answers, in ms. */
  readonly slowestRefusalMs: number;
  /** Failed publishes that were anything else (status, code or network error): must be none. */
  readonly otherFailures: string[];
  readonly ackedNotStored: number;
  /** Commits of which the stream holds a part only: must be none. */
  readonly partialCommits: number;
  /** From the kill to the first /ready 503, and from the restart to the first /ready 200, in ms. */
  readonly readyDownAfterMs: number;
  readonly readyUpAfterMs: number;
}

/**
 * Redis is SIGKILLed under a publisher, a listener and webhook deliveries, kept away for `outageMs`, then
 * started again from its AOF (appendfsync always). While it is away the relay must refuse publishes at once
 * with 503 and append nothing partial; afterwards every acknowledged event must be in the stream, reach the
 * listener once and in order (it resumes with Last-Event-Id if its stream was cut), and every commit in the
 * stream must be delivered.
 */
export async function runRedisOutage(options: RedisOutageOptions): Promise<RedisOutageResult> {
  const say = options.progress ?? (() => undefined);
  const rig = await startRig({ receiver: answer(200, 'ok') });
  const listener = new ResumingListener(eventsPath('outage'), rig.admin);
  let publisher: Publisher | undefined;
  try {
    const relay = await rig.startRelay();
    await rig.startWorker();
    const hookId = await rig.hook(relay, 'outage');
    await listener.connect(relay.baseUrl);
    publisher = new Publisher({
      target: () => relay.baseUrl,
      creds: rig.admin,
      total: 1_000_000,
      keyPrefix: 'outage',
      pauseMs: 5,
      maxRequests: 10_000_000,
    });
    const p = publisher.start();
    await waitUntil(
      () => p.acked.length >= options.eventsAround,
      'acknowledged events before the outage',
      60_000,
    );

    const killedAt = Date.now();
    await rig.redis.kill();
    await waitUntil(
      async () => (await readyStatus(relay.baseUrl)) === 503,
      '/ready to answer 503',
      10_000,
      20,
    );
    const readyDownAfterMs = Date.now() - killedAt;
    const ackedBefore = p.acked.length;
    say(`Redis killed with ${ackedBefore} events acknowledged; /ready 503 after ${readyDownAfterMs} ms`);
    await sleep(Math.max(0, options.outageMs - (Date.now() - killedAt)));
    const refusedDuring = p.failed.length;

    const restartedAt = Date.now();
    await rig.redis.start();
    await waitUntil(
      async () => (await readyStatus(relay.baseUrl)) === 200,
      '/ready to answer 200 again',
      30_000,
      50,
    );
    const readyUpAfterMs = Date.now() - restartedAt;
    say(`Redis back after ${Date.now() - killedAt} ms down; ${refusedDuring} publishes refused meanwhile`);
    await waitUntil(
      () => p.acked.length >= ackedBefore + options.eventsAround,
      'acknowledged events after the outage',
      60_000,
    );
    await p.stop();

    const stored = await storedEvents(rig.redis.client, rig.prefix, 'outage');
    const storedIds = stored.map((e) => e.id);
    const storedSet = new Set(storedIds);
    const ackedNotStored = p.ackedIds.filter((id) => !storedSet.has(id)).length;
    const expected = [...commitsOf(stored).keys()].map((commit) => deliveryJobId(hookId, commit));
    const r = rig.receiver;
    await settle(() => tallyDeliveries(r.requests, expected).lost === 0, 60_000);
    await listener.follow(relay.baseUrl, Math.max(...storedIds), 30_000);
    listener.closeAll();
    const sse = tallySse(listener.ids(), storedIds);
    const deliveries = tallyDeliveries(r.requests, expected);
    const refusals = p.failed.filter(
      (f) => f.status === 503 && f.errorCode === 'RELAY_ERR_REDIS_UNAVAILABLE',
    );
    return {
      summary: {
        published: p.published,
        acked: p.acked.length,
        received: sse.received,
        delivered: deliveries.delivered,
        lost: ackedNotStored + sse.lost + deliveries.lost,
        duplicates: sse.duplicates + deliveries.duplicates,
      },
      sse,
      deliveries,
      refused: refusals.length,
      slowestRefusalMs: Math.max(0, ...refusals.map((f) => f.elapsedMs)),
      otherFailures: p.failed
        .filter((f) => !refusals.includes(f))
        .map((f) => `${f.status} ${f.errorCode ?? f.failure ?? ''}`),
      ackedNotStored,
      partialCommits: partialCommits(stored).length,
      readyDownAfterMs,
      readyUpAfterMs,
    };
  } finally {
    listener.closeAll();
    await publisher?.stop();
    await rig.close();
  }
}
