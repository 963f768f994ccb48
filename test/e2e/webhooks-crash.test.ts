import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { StoredEvent } from '../../src/events/event.js';
import { toStreamId } from '../../src/events/event-id.js';
import { EventStore } from '../../src/events/event-store.js';
import { relayKeys } from '../../src/redis/keys.js';
import { DELIVERY_QUEUE, type DeliveryJobData, deliveryJobId } from '../../src/webhooks/delivery-job.js';
import { createDeliveryQueue } from '../../src/webhooks/delivery-queue.js';
import { DISPATCH_GROUP } from '../../src/webhooks/dispatcher.js';
import {
  configEvent,
  newAdmin,
  type PublishedEvent,
  publish,
  randomPrefix,
  relayEnv,
  sleep,
  waitUntil,
  within,
} from '../helpers/e2e-kit.js';
import { createHookOver } from '../helpers/hooks-http.js';
import {
  answer,
  type ReceivedRequest,
  type Receiver,
  startReceiver,
  webhookId,
} from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { keyHeaders } from '../helpers/test-relay.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

// Issue 3, Tests, Crashes: real relay and worker processes (the built entry points) on a real Redis, real
// receivers on 127.0.0.1. Run `npm run build` first.

const admin = newAdmin();

/** Settings of every process here: loopback receivers, quick retries, a dead worker or dispatcher noticed in ~1 s. */
const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_BACKOFF_MS: '100',
  WEBHOOK_STALLED_MS: '1000',
  DISPATCH_CLAIM_IDLE_MS: '1000',
};

/** Creates an Izanami hook through a relay's API; returns its id. */
function createHook(relay: RelayProcess, body: Record<string, unknown>): Promise<string> {
  return createHookOver(relay.baseUrl, admin, body);
}

async function publishOk(relay: RelayProcess, body: unknown): Promise<PublishedEvent[]> {
  const result = await publish(relay.baseUrl, admin, body);
  assert.equal(result.status, 201, `publish: ${result.status} ${result.errorCode ?? result.failure ?? ''}`);
  return result.events;
}

/** webhook-id → how many 2xx answers the receiver gave for it. */
function successesById(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receiver.succeeded()) {
    const id = webhookId(request);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('webhook deliveries survive crashes (processes)', () => {
  let redis: TestRedis;
  const relays: RelayProcess[] = [];
  const workers: WorkerProcess[] = [];
  const receivers: Receiver[] = [];
  const clients: Redis[] = [];
  const queues: Queue[] = [];

  before(async () => {
    redis = await startTestRedis();
  });

  after(async () => {
    await Promise.all([...relays, ...workers].map((p) => p.kill('SIGKILL')));
    await Promise.all(queues.map((q) => q.close()));
    for (const c of clients) c.disconnect();
    await Promise.all(receivers.map((r) => r.close()));
    await redis?.stop();
  });

  const startRelay = async (env: Record<string, string>) => {
    const relay = await spawnRelay(env);
    relays.push(relay);
    return relay;
  };
  const startWorkerProcess = async (env: Record<string, string>) => {
    const worker = await spawnWorker(env);
    workers.push(worker);
    return worker;
  };
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const client = () => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(c);
    return c;
  };

  it('SIGKILL of a worker mid-delivery: another worker delivers it (stalled job), with the same webhook-id', async () => {
    const env = relayEnv(redis.url, randomPrefix(), admin, WEBHOOK_ENV);
    const relay = await startRelay(env);
    const first = await startWorkerProcess(env);
    // the first request is held open: the worker is inside the delivery when it dies
    const r = await receiver(({ index }) => (index === 0 ? { hang: true } : { status: 200, body: 'ok' }));
    const hookId = await createHook(relay, { callbackUrl: r.url, patterns: ['crash:*'] });
    const commit = await publishOk(relay, configEvent('crash', 1));
    const id = deliveryJobId(hookId, toStreamId((commit[0] as PublishedEvent)._id));

    await r.waitFor((reqs) => reqs.length === 1, 'the first attempt, held open');
    assert.equal(webhookId(r.requests[0] as ReceivedRequest), id);
    assert.equal(await within(first.kill('SIGKILL'), 10_000, 'SIGKILL of the worker'), null);

    await startWorkerProcess(env);
    await r.waitFor(() => r.succeeded().length === 1, 'the delivery by the second worker', 30_000);
    await sleep(1500);
    assert.equal(r.requests.length, 2, 'one attempt cut by the crash, one that succeeded, nothing more');
    const [cut, delivered] = r.requests as [ReceivedRequest, ReceivedRequest];
    assert.equal(webhookId(delivered), id, 'the same webhook-id after the crash');
    assert.equal(delivered.body, cut.body, 'the same body');
    assert.deepEqual(JSON.parse(delivered.body), { objectsEdited: commit });

    const res = await fetch(`${relay.baseUrl}/api/webhooks/${hookId}/deliveries`, {
      headers: keyHeaders(admin),
    });
    const page = (await res.json()) as { results: { deliveryId: string; status: number; outcome: string }[] };
    assert.ok(
      page.results.some((a) => a.deliveryId === id && a.status === 200 && a.outcome === 'success'),
      'the successful attempt is recorded',
    );
  });

  it('a relay that died between reading entries and XACK: another takes them over, nothing lost or enqueued twice', async () => {
    const prefix = randomPrefix();
    const keys = relayKeys(prefix);
    const env = relayEnv(redis.url, prefix, admin, WEBHOOK_ENV);
    const r = await receiver(answer(200, 'ok'));
    await startWorkerProcess(env);

    // relay A creates the consumer group and the hook, then stops: no dispatcher runs for a while
    const relayA = await startRelay(env);
    const hookId = await createHook(relayA, { callbackUrl: r.url, patterns: ['claim:*'] });
    assert.equal(await within(relayA.kill('SIGTERM'), 15_000, 'relay A stopping'), 0);

    // commits appended while no relay runs (through the relay's own append script)
    const redisClient = client();
    const store = new EventStore(redisClient, keys, { retentionMs: 86_400_000, maxLength: 1_000_000 });
    const append = async (n: number, size: number): Promise<StoredEvent[]> => {
      const events = Array.from({ length: size }, (_, i) => {
        const e = configEvent('claim', n * 10 + i);
        return {
          type: 'CONFIG_UPDATED',
          key: e.key as string,
          domain: 'Config' as const,
          payload: e.payload,
          authInfo: null,
        };
      });
      const result = await store.append(events);
      assert.equal(result.status, 'appended');
      return result.status === 'appended' ? result.events : [];
    };
    const commits: StoredEvent[][] = [];
    for (let n = 0; n < 10; n++) commits.push(await append(n, 1 + (n % 3)));

    // a dispatcher reads them all and dies before XACK: they stay pending on a consumer that never comes back
    const read = (await redisClient.xreadgroup(
      'GROUP',
      DISPATCH_GROUP,
      'dead-relay',
      'COUNT',
      10_000,
      'STREAMS',
      keys.events,
      '>',
    )) as [string, [string, string[]][]][] | null;
    const readIds = new Set((read?.[0]?.[1] ?? []).map(([entryId]) => entryId));
    for (const event of commits.flat())
      assert.ok(readIds.has(event.streamId), `entry ${event.streamId} was read`);
    const pending = (await redisClient.xpending(keys.events, DISPATCH_GROUP)) as [
      number,
      string,
      string,
      [string, string][],
    ];
    assert.ok(
      pending[3].some(
        ([consumer, count]) => consumer === 'dead-relay' && Number(count) >= commits.flat().length,
      ),
      'the entries are pending on the dead consumer',
    );
    // ...after it had enqueued the deliveries of the first half (as the dispatcher does: one job per hook and
    // commit, the job id derived from both): the worker delivers those at once
    const queueRedis = client();
    const queue = createDeliveryQueue(queueRedis, keys.bullPrefix, 8);
    queues.push(queue);
    for (const commit of commits.slice(0, 5)) {
      const streamId = (commit[0] as StoredEvent).streamId;
      await queue.add(
        'izanami',
        { hookId, commit: streamId, events: commit.map((e) => e.json) },
        { jobId: deliveryJobId(hookId, streamId) },
      );
    }
    // and commits nobody read yet
    for (let n = 10; n < 13; n++) commits.push(await append(n, 1 + (n % 2)));
    const expected = commits.map((c) => deliveryJobId(hookId, (c[0] as StoredEvent).streamId));

    await r.waitFor(
      () => commits.slice(0, 5).every((_, i) => successesById(r).has(expected[i] as string)),
      'the deliveries enqueued before the crash',
    );
    assert.equal(r.requests.length, 5, 'only those, while no relay runs');

    // relay B: takes over the dead consumer's entries (DISPATCH_CLAIM_IDLE_MS) and reads the new ones
    const relayB = await startRelay(env);
    await r.waitFor(
      () => expected.every((id) => successesById(r).has(id)),
      'every delivery after relay B started',
      30_000,
    );
    await sleep(2500); // more than one claim round: a second take-over would enqueue again
    const counts = successesById(r);
    assert.deepEqual(
      expected.filter((id) => counts.get(id) !== 1),
      [],
      'each delivery arrived exactly once',
    );
    assert.equal(r.requests.length, expected.length, 'no other request');
    for (const [i, commit] of commits.entries()) {
      const request = r.requests.find((q) => webhookId(q) === expected[i]) as ReceivedRequest;
      assert.deepEqual(
        JSON.parse(request.body),
        { objectsEdited: commit.map((e) => JSON.parse(e.json)) },
        `commit ${i} delivered whole`,
      );
    }
    assert.ok(
      relayB.lines.some((l) => l.includes('took over abandoned entries')),
      'relay B took over the pending entries',
    );
    const left = (await redisClient.xpending(keys.events, DISPATCH_GROUP)) as [number, ...unknown[]];
    assert.equal(left[0], 0, 'every entry is acknowledged');
  });

  it('three workers, one relay, 100 commits to one hook: each delivery arrives exactly once', async () => {
    const prefix = randomPrefix();
    const env = relayEnv(redis.url, prefix, admin, WEBHOOK_ENV);
    const r = await receiver(answer(200, 'ok'));
    const relay = await startRelay(env);
    // every start settles (spawnWorker's own deadline), so none is left running behind a failed one
    const started = await Promise.allSettled([0, 1, 2].map(() => startWorkerProcess(env)));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
      connection: client(),
      prefix: relayKeys(prefix).bullPrefix,
    });
    queues.push(queue);
    await waitUntil(async () => (await queue.getWorkersCount()) === 3, 'three workers on the queue');

    const hookId = await createHook(relay, { callbackUrl: r.url, patterns: ['many:*'] });
    const expected: string[] = [];
    const bodies = new Map<string, PublishedEvent[]>();
    for (let n = 0; n < 100; n++) {
      const body =
        n % 10 === 0
          ? { events: [configEvent('many', n * 10), configEvent('many', n * 10 + 1)] }
          : configEvent('many', n * 10);
      const events = await publishOk(relay, body);
      const id = deliveryJobId(hookId, toStreamId((events[0] as PublishedEvent)._id));
      expected.push(id);
      bodies.set(id, events);
    }
    await r.waitFor(() => successesById(r).size >= 100, '100 deliveries', 60_000);
    await sleep(1500);
    const counts = successesById(r);
    assert.deepEqual(
      expected.filter((id) => counts.get(id) !== 1),
      [],
      'each delivery arrived exactly once',
    );
    assert.equal(r.requests.length, 100, 'and nothing else');
    for (const request of r.requests) {
      assert.deepEqual(JSON.parse(request.body), { objectsEdited: bodies.get(webhookId(request)) });
    }
  });
});
