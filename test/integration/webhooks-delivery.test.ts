import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { toStreamId } from '../../src/events/event-id.js';
import { relayKeys } from '../../src/redis/keys.js';
import { startWorker, type WorkerService } from '../../src/runtime/worker-service.js';
import type { Attempt } from '../../src/webhooks/attempt-log.js';
import { DELIVERY_QUEUE, type DeliveryJobData, deliveryJobId } from '../../src/webhooks/delivery-job.js';
import { captureLogs } from '../helpers/log-capture.js';
import {
  answer,
  inTurn,
  type ReceivedRequest,
  type Receiver,
  startReceiver,
  webhookId,
} from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, expectError, listen, publish, type RelayEvent } from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// Issue 3, Tests: delivery end to end through a real relay (HTTP API + dispatcher) and a real BullMQ worker,
// both in this process, to real HTTP receivers on 127.0.0.1 (CONTRACT.md, Webhooks — Izanami API, Hooks — Tweek
// API, Delivery guarantees).

const BACKOFF_MS = 100;
const MAX_FAILURES = 3;
const TIMEOUT_MS = 1000;

interface HookView {
  clientId: string;
  isBanned: boolean;
  disabledReason: string | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastSuccessAt: string | null;
}

interface DeliveryPage {
  results: Attempt[];
  metadata: { page: number; pageSize: number; count: number; nbPages: number };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

function config(key: string, value: unknown, type = 'CONFIG_UPDATED'): Record<string, unknown> {
  return { type, key, payload: { id: key, value: JSON.stringify(value) } };
}

function feature(key: string, type = 'FEATURE_CREATED'): Record<string, unknown> {
  return { type, key, payload: { id: key, enabled: true } };
}

/** The stream id of a commit: that of its first event. */
const commitOf = (events: readonly RelayEvent[]) => toStreamId((events[0] as RelayEvent)._id);

/** Time between the answer to one request and the arrival of the next. */
function gapAfter(previous: ReceivedRequest, next: ReceivedRequest): number {
  assert.ok(previous.respondedAt !== undefined, `request ${previous.index} was answered`);
  return next.at - previous.respondedAt;
}

describe('webhook delivery: in-process relay and BullMQ worker, real receivers', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let worker: WorkerService;
  let workerLogs: string[];
  let queueRedis: Redis;
  let queue: Queue<DeliveryJobData>;
  let webhookEvents: SseConnection;
  const receivers: Receiver[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
      WEBHOOK_MAX_ATTEMPTS: '6',
      WEBHOOK_MAX_FAILURES: String(MAX_FAILURES),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    const captured = captureLogs('debug');
    workerLogs = captured.lines;
    worker = await startWorker({ config: relay.config, redisUrl: redis.url, logger: captured.logger });
    // a handle on the deliveries queue, only to look at jobs (the relay and the worker own it)
    queueRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
      connection: queueRedis,
      prefix: relayKeys(relay.config.redisKeyPrefix).bullPrefix,
    });
    webhookEvents = await listen(relay, '/api/events/Webhook');
  });

  after(async () => {
    webhookEvents?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await worker?.stop();
    await relay?.stop();
    await queue?.close();
    queueRedis?.disconnect();
    await redis?.stop();
  });

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };

  const createHook = async (body: Record<string, unknown>): Promise<HookView> => {
    const res = await relay.request('/api/webhooks', { method: 'POST', json: body });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return JSON.parse(text) as HookView;
  };

  const getHook = async (id: string): Promise<HookView> => {
    const res = await relay.request(`/api/webhooks/${encodeURIComponent(id)}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as HookView;
  };

  const deliveries = async (id: string): Promise<DeliveryPage> => {
    const res = await relay.request(`/api/webhooks/${encodeURIComponent(id)}/deliveries`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as DeliveryPage;
  };

  const jobState = async (jobId: string): Promise<string> => {
    const job = await queue.getJob(jobId);
    return job ? await job.getState() : 'absent';
  };

  /** The WEBHOOK_UPDATED events seen on SSE for one hook. */
  const hookUpdates = (id: string) =>
    webhookEvents
      .events()
      .filter((e) => e.type === 'WEBHOOK_UPDATED' && e.key === id)
      .map((e) => e.payload as { isBanned: boolean; disabledReason: string | null });

  it('Izanami: one signed POST per matching commit with its matching events; filters by domain, type and pattern', async () => {
    const configReceiver = await receiver();
    const featureReceiver = await receiver();
    const secret = newSecret();
    const configHook = await createHook({
      callbackUrl: configReceiver.url,
      domains: ['Config'],
      patterns: ['izf:a:*', 'izf:b:*'],
      headers: { 'X-Api-Key': 'key-of-the-receiver', 'X-Tenant': 'tenant-1' },
      secret,
    });
    const featureHook = await createHook({
      callbackUrl: featureReceiver.url,
      types: ['FEATURE_CREATED'],
      patterns: ['izf:*'],
    });

    const c1 = await publish(relay, {
      events: [config('izf:a:1', 1), config('izf:c:1', 1), config('izf:b:2', 2, 'CONFIG_CREATED')],
    });
    const c2 = await publish(relay, config('izf:c:2', 2)); // matches no pattern of either hook
    const c3 = await publish(relay, feature('izf:a:3')); // Feature: not the Config hook's domain
    const c4 = await publish(relay, {
      events: [feature('izf:b:4', 'FEATURE_UPDATED'), config('izf:b:5', 5)],
    });
    const c5 = await publish(relay, { events: [config('izf:a:9', 9), feature('izf:z:9')] });

    await configReceiver.waitFor((r) => r.length >= 3, 'three deliveries to the Config hook');
    await featureReceiver.waitFor((r) => r.length >= 2, 'two deliveries to the Feature hook');

    // the dispatcher handles the stream in order, so once c5's jobs exist every earlier commit was handled: the
    // commits without a matching event have no job at all
    for (const [hook, commit] of [
      [configHook, c2],
      [configHook, c3],
      [featureHook, c1],
      [featureHook, c2],
      [featureHook, c4],
    ] as const) {
      assert.equal(await jobState(deliveryJobId(hook.clientId, commitOf(commit))), 'absent');
    }
    await sleep(300);
    assert.equal(configReceiver.requests.length, 3, 'no other POST to the Config hook');
    assert.equal(featureReceiver.requests.length, 2, 'no other POST to the Feature hook');

    const expected = new Map<string, RelayEvent[]>([
      [deliveryJobId(configHook.clientId, commitOf(c1)), [c1[0], c1[2]] as RelayEvent[]],
      [deliveryJobId(configHook.clientId, commitOf(c4)), [c4[1]] as RelayEvent[]],
      [deliveryJobId(configHook.clientId, commitOf(c5)), [c5[0]] as RelayEvent[]],
    ]);
    const wh = new Webhook(secret);
    for (const request of configReceiver.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/hook');
      assert.match(request.headers['content-type'] ?? '', /^application\/json\b/);
      assert.equal(request.headers['x-api-key'], 'key-of-the-receiver');
      assert.equal(request.headers['x-tenant'], 'tenant-1');
      const id = webhookId(request);
      assert.ok(expected.has(id), `unexpected webhook-id ${id}`);
      assert.match(String(request.headers['webhook-timestamp']), /^\d+$/);
      assert.match(String(request.headers['webhook-signature']), /^v1,/);
      const verified = wh.verify(request.body, request.headers as Record<string, string>);
      assert.deepEqual(verified, { objectsEdited: expected.get(id) });
      assert.deepEqual(JSON.parse(request.body), { objectsEdited: expected.get(id) });
      // the signature is over this body with this secret: another secret or another body is refused
      assert.throws(() =>
        new Webhook(newSecret()).verify(request.body, request.headers as Record<string, string>),
      );
      assert.throws(() => wh.verify(`${request.body} `, request.headers as Record<string, string>));
    }
    assert.deepEqual(new Set(configReceiver.requests.map(webhookId)), new Set(expected.keys()));

    const featureExpected = new Map<string, RelayEvent[]>([
      [deliveryJobId(featureHook.clientId, commitOf(c3)), c3],
      [deliveryJobId(featureHook.clientId, commitOf(c5)), [c5[1]] as RelayEvent[]],
    ]);
    for (const request of featureReceiver.requests) {
      const id = webhookId(request);
      assert.deepEqual(JSON.parse(request.body), { objectsEdited: featureExpected.get(id) });
      assert.equal(request.headers['webhook-signature'], undefined, 'a hook without a secret is not signed');
      assert.match(String(request.headers['webhook-timestamp']), /^\d+$/);
    }
    assert.deepEqual(new Set(featureReceiver.requests.map(webhookId)), new Set(featureExpected.keys()));
  });

  it('Tweek: hook a/b/* gets one POST per commit with the author and only the matching keys', async () => {
    const r = await receiver();
    const res = await relay.request('/api/v2/hooks', {
      method: 'POST',
      json: { keyPath: 'a/b/*', type: 'notification_webhook', url: r.url },
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const hook = JSON.parse(text) as { id: string };

    const author = { name: 'Ada Lovelace', email: 'ada@example.test' };
    const oldD = { id: 'a/b/c/d', value: '"before"' };
    const commit = await publish(relay, {
      author,
      events: [
        { type: 'CONFIG_CREATED', key: 'a/b/c', payload: { id: 'a/b/c', value: '"created"' } },
        {
          type: 'CONFIG_UPDATED',
          key: 'a/b/c/d',
          payload: { id: 'a/b/c/d', value: '"after"' },
          oldValue: oldD,
        },
        { type: 'CONFIG_UPDATED', key: 'x/y', payload: { id: 'x/y', value: '1' }, oldValue: { id: 'x/y' } },
        { type: 'CONFIG_UPDATED', key: 'a/b', payload: { id: 'a/b', value: '2' }, oldValue: { id: 'a/b' } },
      ],
    });
    // a later commit: once it is delivered, a second POST for the first commit would have been enqueued too
    const later = await publish(relay, { author, events: [config('a/b/later', 1)] });
    await r.waitFor((reqs) => reqs.length >= 2, 'the deliveries of both commits');
    await sleep(300);

    const firstId = deliveryJobId(hook.id, commitOf(commit));
    const forFirst = r.requests.filter((q) => webhookId(q) === firstId);
    assert.equal(forFirst.length, 1, 'exactly one POST for the commit');
    assert.equal(r.requests.length, 2, 'and one for the later commit, nothing else');
    const request = forFirst[0] as ReceivedRequest;
    assert.match(request.headers['content-type'] ?? '', /^application\/json\b/);
    assert.deepEqual(JSON.parse(request.body), {
      author,
      updates: [
        { keyPath: 'a/b/c', oldValue: null, newValue: { id: 'a/b/c', value: '"created"' } },
        { keyPath: 'a/b/c/d', oldValue: oldD, newValue: { id: 'a/b/c/d', value: '"after"' } },
      ],
    });
    const other = r.requests.find((q) => webhookId(q) === deliveryJobId(hook.id, commitOf(later)));
    assert.ok(other, 'the later commit was delivered');
    assert.deepEqual(JSON.parse(other.body), {
      author,
      updates: [{ keyPath: 'a/b/later', oldValue: null, newValue: (later[0] as RelayEvent).payload }],
    });

    // a ping to a Tweek hook has the Tweek shape
    const ping = await relay.request(`/api/webhooks/${hook.id}/test`, { method: 'POST' });
    assert.equal(ping.status, 202);
    const { deliveryId } = (await ping.json()) as { deliveryId: string };
    await r.waitFor((reqs) => reqs.some((q) => webhookId(q) === deliveryId), 'the ping');
    const pinged = JSON.parse(r.requests.find((q) => webhookId(q) === deliveryId)?.body ?? '{}');
    assert.deepEqual(pinged.updates, []);
    assert.equal(typeof pinged.author?.name, 'string');
    assert.equal(pinged.ping?.hookId, hook.id);
  });

  it('failure path: 500s are retried with backoff, the hook is disabled, deliveries are held, then resume once each', async () => {
    const r = await receiver(answer(500, 'down for maintenance'));
    const secret = newSecret();
    const hook = await createHook({ callbackUrl: r.url, patterns: ['fail:*'], secret });
    const c1 = await publish(relay, config('fail:1', 1));
    const id1 = deliveryJobId(hook.clientId, commitOf(c1));

    await r.waitFor((reqs) => reqs.length >= MAX_FAILURES, `${MAX_FAILURES} attempts`);
    await eventually(async () => (await getHook(hook.clientId)).isBanned, 'the hook being disabled');
    const disabled = await getHook(hook.clientId);
    assert.equal(disabled.isBanned, true);
    assert.equal(typeof disabled.disabledReason, 'string');
    assert.match(disabled.disabledReason ?? '', new RegExp(`${MAX_FAILURES} consecutive failed attempts`));
    assert.equal(disabled.consecutiveFailures, MAX_FAILURES);
    assert.equal(disabled.lastError, 'HTTP 500');

    assert.equal(r.requests.length, MAX_FAILURES, 'no attempt after the hook was disabled');
    assert.deepEqual(
      r.requests.map(webhookId),
      Array(MAX_FAILURES).fill(id1),
      'the same webhook-id on every attempt',
    );
    for (const request of r.requests) {
      assert.deepEqual(new Webhook(secret).verify(request.body, request.headers as Record<string, string>), {
        objectsEdited: c1,
      });
    }
    // exponential backoff with equal jitter: the k-th retry waits at least half of BACKOFF_MS × 2^(k-1)
    for (let k = 1; k < MAX_FAILURES; k++) {
      const gap = gapAfter(r.requests[k - 1] as ReceivedRequest, r.requests[k] as ReceivedRequest);
      const floor = (BACKOFF_MS * 2 ** (k - 1)) / 2;
      assert.ok(
        gap >= floor - 5,
        `retry ${k} came ${gap} ms after the failure, before its backoff of ≥ ${floor} ms`,
      );
    }

    // the disabling is an event (SSE listeners see it) and a warning in the worker's log
    await webhookEvents.waitFor(() => hookUpdates(hook.clientId).some((p) => p.isBanned), 10_000);
    const banned = hookUpdates(hook.clientId).find((p) => p.isBanned);
    assert.equal(typeof banned?.disabledReason, 'string');
    const update = webhookEvents
      .events()
      .find((e) => e.type === 'WEBHOOK_UPDATED' && e.key === hook.clientId) as Record<string, unknown>;
    assert.equal(update.authInfo, null, 'disabled by the relay itself');
    assert.ok(
      workerLogs.some((l) => {
        const line = JSON.parse(l) as { level: string; message: string; hookId?: string };
        return line.level === 'warn' && line.message === 'webhook disabled' && line.hookId === hook.clientId;
      }),
      'a warning was logged',
    );

    // new commits while disabled: enqueued, taken by the worker and held, never posted
    const c2 = await publish(relay, config('fail:2', 2));
    const c3 = await publish(relay, { events: [config('fail:3', 3), config('fail:4', 4)] });
    const id2 = deliveryJobId(hook.clientId, commitOf(c2));
    const id3 = deliveryJobId(hook.clientId, commitOf(c3));
    // (a held delivery looks again every few seconds, briefly leaving the delayed set: polled, not read once)
    await eventually(async () => {
      const states = await Promise.all([id1, id2, id3].map(jobState));
      return states.every((state) => state === 'delayed');
    }, 'the worker holding every delivery of the disabled hook');
    await sleep(300);
    assert.equal(r.requests.length, MAX_FAILURES, 'nothing is posted while the hook is disabled');

    // the receiver recovers and an admin enables the hook again
    r.script = answer(200, 'ok');
    const res = await relay.request(`/api/webhooks/${hook.clientId}`, {
      method: 'PATCH',
      json: [{ op: 'replace', path: '/isBanned', value: false }],
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const enabled = JSON.parse(text) as HookView;
    assert.equal(enabled.isBanned, false);
    assert.equal(enabled.disabledReason, null);
    await webhookEvents.waitFor(() => hookUpdates(hook.clientId).some((p) => !p.isBanned), 10_000);

    const held = [id1, id2, id3];
    await r.waitFor(
      () => held.every((id) => r.succeeded().some((q) => webhookId(q) === id)),
      'the held deliveries',
      20_000,
    );
    await sleep(500);
    for (const id of held) {
      assert.equal(
        r.succeeded().filter((q) => webhookId(q) === id).length,
        1,
        `${id} delivered exactly once`,
      );
    }
    assert.equal(r.requests.filter((q) => webhookId(q) === id2).length, 1, 'held, never attempted before');
    assert.equal(r.requests.filter((q) => webhookId(q) === id3).length, 1, 'held, never attempted before');
    assert.equal(r.requests.length, MAX_FAILURES + 3);
    const request3 = r.requests.find((q) => webhookId(q) === id3) as ReceivedRequest;
    assert.deepEqual(new Webhook(secret).verify(request3.body, request3.headers as Record<string, string>), {
      objectsEdited: c3,
    });

    const after = await getHook(hook.clientId);
    assert.equal(after.isBanned, false);
    assert.equal(after.consecutiveFailures, 0);
    assert.equal(typeof after.lastSuccessAt, 'string');
    for (const id of held) assert.equal(await jobState(id), 'completed');
  });

  it('410 Gone disables the hook at once, after one attempt', async () => {
    const r = await receiver(answer(410, 'gone'));
    const hook = await createHook({ callbackUrl: r.url, patterns: ['gone:*'] });
    const commit = await publish(relay, config('gone:1', 1));
    const id = deliveryJobId(hook.clientId, commitOf(commit));
    await r.waitFor((reqs) => reqs.length >= 1, 'the attempt');
    await eventually(async () => (await getHook(hook.clientId)).isBanned, 'the hook being disabled');
    const view = await getHook(hook.clientId);
    assert.match(view.disabledReason ?? '', /410/);
    assert.equal(view.consecutiveFailures, 1, 'disabled after one failed attempt, far below the threshold');
    await eventually(async () => (await jobState(id)) === 'failed', 'the delivery failing');
    await webhookEvents.waitFor(() => hookUpdates(hook.clientId).some((p) => p.isBanned), 10_000);
    await sleep(4 * BACKOFF_MS);
    assert.equal(r.requests.length, 1, 'not retried');
    const page = await deliveries(hook.clientId);
    assert.equal(page.metadata.count, 1);
    assert.equal(page.results[0]?.status, 410);
    assert.equal(page.results[0]?.outcome, 'disable');
    assert.equal(page.results[0]?.deliveryId, id);
  });

  it('a permanent 4xx fails without retry; every attempt is listed; a failed delivery can be sent again', async () => {
    const longBody = `bad request: ${'x'.repeat(5000)}`;
    const r = await receiver(inTurn({ status: 400, body: longBody }, { status: 200, body: 'thanks' }));
    const hook = await createHook({ callbackUrl: r.url, patterns: ['perm:*'] });
    const commit = await publish(relay, config('perm:1', 1));
    const id = deliveryJobId(hook.clientId, commitOf(commit));
    await r.waitFor((reqs) => reqs.length >= 1, 'the attempt');
    await eventually(async () => (await jobState(id)) === 'failed', 'the delivery failing');
    await sleep(4 * BACKOFF_MS);
    assert.equal(r.requests.length, 1, 'a 400 is not retried');

    const page = await deliveries(hook.clientId);
    assert.equal(page.metadata.page, 1);
    assert.equal(page.metadata.count, 1);
    assert.equal(page.metadata.nbPages, 1);
    const attempt = page.results[0] as Attempt;
    assert.equal(attempt.deliveryId, id);
    assert.equal(attempt.attempt, 1);
    assert.equal(attempt.status, 400);
    assert.equal(attempt.outcome, 'fail');
    assert.equal(attempt.error, 'HTTP 400');
    assert.equal(typeof attempt.durationMs, 'number');
    assert.ok(attempt.durationMs >= 0);
    assert.ok(Number.isFinite(Date.parse(attempt.at)), `at is a time: ${attempt.at}`);
    const at = Date.parse(attempt.at);
    assert.ok(at >= (r.requests[0]?.at ?? 0) - 1000 && at <= Date.now(), 'at is the time of the attempt');
    assert.equal(typeof attempt.response, 'string');
    const kept = attempt.response as string;
    assert.ok(kept.startsWith('bad request: xxx'), 'the response is kept');
    assert.ok(Buffer.byteLength(kept) < Buffer.byteLength(longBody), 'and truncated');
    assert.ok(kept.endsWith('…[truncated]'), 'saying so');
    assert.ok(
      Buffer.byteLength(kept) <= 2100,
      `truncated to about 2 KiB, got ${Buffer.byteLength(kept)} bytes`,
    );
    const view = await getHook(hook.clientId);
    assert.equal(view.consecutiveFailures, 1, 'a permanent failure counts toward disabling');
    assert.equal(view.isBanned, false);

    await expectError(
      await relay.request(`/api/webhooks/${hook.clientId}/deliveries/d_nothing_1-0/retry`, {
        method: 'POST',
      }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    const retry = await relay.request(`/api/webhooks/${hook.clientId}/deliveries/${id}/retry`, {
      method: 'POST',
    });
    assert.equal(retry.status, 202, await retry.clone().text());
    assert.deepEqual(await retry.json(), { deliveryId: id, state: 'waiting' });
    await r.waitFor((reqs) => reqs.length >= 2, 'the delivery sent again');
    assert.equal(webhookId(r.requests[1] as ReceivedRequest), id, 'sent again with the same webhook-id');
    assert.deepEqual(JSON.parse(r.requests[1]?.body ?? ''), { objectsEdited: commit });
    await eventually(async () => (await jobState(id)) === 'completed', 'the delivery completing');

    const again = await deliveries(hook.clientId);
    assert.equal(again.metadata.count, 2);
    assert.deepEqual(
      again.results.map((a) => [a.deliveryId, a.status, a.outcome, a.error, a.response]),
      [
        [id, 200, 'success', null, 'thanks'],
        [id, 400, 'fail', 'HTTP 400', kept],
      ],
      'newest first',
    );
    assert.equal((await getHook(hook.clientId)).consecutiveFailures, 0);
    // only a failed delivery can be sent again
    await expectError(
      await relay.request(`/api/webhooks/${hook.clientId}/deliveries/${id}/retry`, { method: 'POST' }),
      409,
      'RELAY_ERR_CONFLICT',
    );
    await sleep(4 * BACKOFF_MS);
    assert.equal(r.requests.length, 2);
  });

  it('a connection reset and a timeout are retried; a success resets the consecutive failures', async () => {
    const r = await receiver(inTurn({ reset: true }, { hang: true }, { status: 200, body: 'ok' }));
    const hook = await createHook({ callbackUrl: r.url, patterns: ['slow:*'] });
    const commit = await publish(relay, config('slow:1', 1));
    const id = deliveryJobId(hook.clientId, commitOf(commit));

    await r.waitFor((reqs) => reqs.length >= 2, 'the second attempt (held open by the receiver)');
    // the reset is recorded before the retry is scheduled, and the hanging attempt is not over yet
    assert.equal((await getHook(hook.clientId)).consecutiveFailures, 1);
    await r.waitFor(() => r.succeeded().length === 1, 'the third attempt, answered');
    assert.deepEqual(r.requests.map(webhookId), [id, id, id], 'the same webhook-id on every attempt');
    await eventually(
      async () => (await deliveries(hook.clientId)).metadata.count === 3,
      'three recorded attempts',
    );

    const [success, timeout, reset] = (await deliveries(hook.clientId)).results as [
      Attempt,
      Attempt,
      Attempt,
    ];
    assert.deepEqual([success.status, success.outcome, success.error], [200, 'success', null]);
    assert.equal(timeout.status, null);
    assert.equal(timeout.outcome, 'retry');
    assert.match(timeout.error ?? '', /timeout/);
    assert.ok(timeout.durationMs >= TIMEOUT_MS - 10, `the timeout came after ${timeout.durationMs} ms`);
    assert.equal(reset.status, null);
    assert.equal(reset.outcome, 'retry');
    assert.match(reset.error ?? '', /network/);
    assert.deepEqual([reset.attempt, timeout.attempt, success.attempt], [1, 2, 3]);
    const view = await getHook(hook.clientId);
    assert.equal(view.consecutiveFailures, 0, 'the success reset the count');
    assert.equal(view.isBanned, false);
    assert.equal(typeof view.lastSuccessAt, 'string');
  });

  it('429 with Retry-After: 1 → the next attempt waits at least a second', async () => {
    const r = await receiver(
      inTurn({ status: 429, headers: { 'Retry-After': '1' }, body: 'slow down' }, { status: 200 }),
    );
    const hook = await createHook({ callbackUrl: r.url, patterns: ['busy:*'] });
    const commit = await publish(relay, config('busy:1', 1));
    await r.waitFor(() => r.succeeded().length === 1, 'the attempt after the 429', 10_000);
    const [first, second] = r.requests as [ReceivedRequest, ReceivedRequest];
    assert.equal(webhookId(first), webhookId(second));
    assert.equal(webhookId(first), deliveryJobId(hook.clientId, commitOf(commit)));
    const gap = gapAfter(first, second);
    assert.ok(gap >= 990, `the retry came ${gap} ms after the 429, before its Retry-After of 1 s`);
    await eventually(
      async () => (await deliveries(hook.clientId)).metadata.count === 2,
      'two recorded attempts',
    );
    const page = await deliveries(hook.clientId);
    assert.deepEqual(
      page.results.map((a) => [a.status, a.outcome]),
      [
        [200, 'success'],
        [429, 'retry'],
      ],
    );
  });

  it('POST /api/webhooks/{id}/test sends a signed ping the receiver gets', async () => {
    const r = await receiver();
    const secret = newSecret();
    const hook = await createHook({
      callbackUrl: r.url,
      patterns: ['ping:*'],
      secret,
      headers: { 'X-Ping': 'p' },
    });
    const res = await relay.request(`/api/webhooks/${hook.clientId}/test`, { method: 'POST' });
    const text = await res.text();
    assert.equal(res.status, 202, text);
    const { deliveryId } = JSON.parse(text) as { deliveryId: string };
    assert.equal(typeof deliveryId, 'string');
    await r.waitFor((reqs) => reqs.length >= 1, 'the ping');
    const request = r.requests[0] as ReceivedRequest;
    assert.equal(webhookId(request), deliveryId);
    assert.equal(request.headers['x-ping'], 'p');
    const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as {
      objectsEdited: unknown[];
      ping: { hookId: string; sentAt: string };
    };
    assert.deepEqual(body.objectsEdited, []);
    assert.equal(body.ping.hookId, hook.clientId);
    await eventually(async () => (await deliveries(hook.clientId)).metadata.count === 1, 'the ping recorded');
    const [attempt] = (await deliveries(hook.clientId)).results;
    assert.equal(attempt?.deliveryId, deliveryId);
    assert.equal(attempt?.outcome, 'ping');
    assert.equal(attempt?.status, 200);
    await expectError(
      await relay.request('/api/webhooks/no-such-hook/test', { method: 'POST' }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
  });

  it('deliveries and the dashboard are for admins only; /admin/queues serves bull-board', async () => {
    const reader = await relay.createKey({ name: 'reader', authorizedPattern: '*', admin: false });
    const admin = await fetch(`${relay.baseUrl}/admin/queues`, { headers: keyHeaders(relay.admin) });
    assert.equal(admin.status, 200);
    assert.match(admin.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await admin.text(), /<html/i);
    const basic = Buffer.from(`${relay.admin.clientId}:${relay.admin.clientSecret}`).toString('base64');
    const viaBasic = await fetch(`${relay.baseUrl}/admin/queues`, {
      headers: { Authorization: `Basic ${basic}` },
    });
    assert.equal(viaBasic.status, 200, 'a browser can log in with HTTP Basic');
    await viaBasic.arrayBuffer();

    const anonymous = await fetch(`${relay.baseUrl}/admin/queues`);
    await expectError(anonymous, 401, 'RELAY_ERR_UNAUTHENTICATED');
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    await expectError(
      await fetch(`${relay.baseUrl}/admin/queues`, { headers: keyHeaders(reader) }),
      403,
      'RELAY_ERR_FORBIDDEN',
    );
    await expectError(
      await fetch(`${relay.baseUrl}/admin/queues/api/queues`, { headers: keyHeaders(reader) }),
      403,
      'RELAY_ERR_FORBIDDEN',
    );

    const hook = await createHook({ callbackUrl: 'http://127.0.0.1:9/none', patterns: ['never:*'] });
    await expectError(
      await relay.request(`/api/webhooks/${hook.clientId}/deliveries`, { as: reader }),
      403,
      'RELAY_ERR_FORBIDDEN',
    );
    await expectError(
      await relay.request(`/api/webhooks/${hook.clientId}/test`, { method: 'POST', as: reader }),
      403,
      'RELAY_ERR_FORBIDDEN',
    );
  });
});
