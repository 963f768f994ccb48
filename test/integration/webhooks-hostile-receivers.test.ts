import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toStreamId } from '../../src/events/event-id.js';
import { startWorker, type WorkerService } from '../../src/runtime/worker-service.js';
import type { Attempt } from '../../src/webhooks/attempt-log.js';
import { deliveryJobId } from '../../src/webhooks/delivery-job.js';
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
import { configEvent, eventually, publish, type RelayEvent } from '../helpers/relay-checks.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// Issue 5, fault tests: receivers that misbehave — never answer, answer slowly (just under and just over the
// timeout), reset every connection, redirect. Each misbehaves on its own hook while other hooks' deliveries go
// out; the basic cases (one reset, one timeout, 429, 4xx, 410) are in webhooks-delivery.test.ts.

const TIMEOUT_MS = 3000;
const MAX_ATTEMPTS = 4;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('webhook delivery to hostile receivers', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let worker: WorkerService;
  const receivers: Receiver[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '100',
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_MAX_FAILURES: '100',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    worker = await startWorker({
      config: relay.config,
      redisUrl: redis.url,
      logger: captureLogs('warn').logger,
    });
  });

  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await worker?.stop();
    await relay?.stop();
    await redis?.stop();
  });

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };

  /** A hook on `r` for keys `<name>:*`; returns its id. */
  const hook = async (r: Receiver, name: string): Promise<string> => {
    const res = await relay.request('/api/webhooks', {
      method: 'POST',
      json: { clientId: name, callbackUrl: r.url, patterns: [`${name}:*`] },
    });
    assert.equal(res.status, 201, await res.text());
    return name;
  };

  /** Publishes one event keyed `<name>:<n>`; returns the id of its delivery to hook `name`. */
  const commit = async (name: string, n: number): Promise<string> => {
    const [event] = await publish(relay, configEvent(`${name}:${n}`));
    return deliveryJobId(name, toStreamId((event as RelayEvent)._id));
  };

  const attempts = async (hookId: string): Promise<Attempt[]> => {
    const res = await relay.request(`/api/webhooks/${hookId}/deliveries?pageSize=100`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { results: Attempt[] }).results.reverse();
  };

  const consecutiveFailures = async (hookId: string): Promise<number> => {
    const res = await relay.request(`/api/webhooks/${hookId}`);
    return ((await res.json()) as { consecutiveFailures: number }).consecutiveFailures;
  };

  it('a receiver that never answers: each attempt times out and is retried with the same webhook-id; other hooks are not held up meanwhile', async () => {
    const hanging = await receiver(() => ({ hang: true }));
    const good = await receiver(answer(200, 'ok'));
    const hangId = await hook(hanging, 'hang');
    const goodId = await hook(good, 'good');
    const held = [await commit(hangId, 0), await commit(hangId, 1), await commit(hangId, 2)];
    await hanging.waitFor((reqs) => reqs.length === 3, 'three deliveries held open by the receiver');
    const heldSince = Math.min(...hanging.requests.map((r) => r.at));
    const sent: string[] = [];
    for (let n = 0; n < 20; n++) sent.push(await commit(goodId, n));
    await good.waitFor(() => good.succeeded().length === 20, '20 deliveries to the other hook', 20_000);
    // the good deliveries went out while the held ones were still waiting for their answer
    const lastGood = Math.max(...good.requests.map((r) => r.at));
    assert.ok(
      lastGood < heldSince + TIMEOUT_MS,
      `the other hook's deliveries came ${lastGood - heldSince} ms after the held ones started (timeout ${TIMEOUT_MS} ms)`,
    );
    assert.deepEqual(new Set(good.requests.map(webhookId)), new Set(sent));

    await hanging.waitFor((reqs) => reqs.length >= 6, 'a second attempt of each held delivery', 20_000);
    const byId = new Map<string, ReceivedRequest[]>();
    for (const r of hanging.requests) byId.set(webhookId(r), [...(byId.get(webhookId(r)) ?? []), r]);
    assert.deepEqual(new Set(byId.keys()), new Set(held), 'the same webhook-ids again');
    for (const [id, requests] of byId) {
      const [first, second] = requests as [ReceivedRequest, ReceivedRequest];
      assert.ok(second.at - first.at >= TIMEOUT_MS - 50, `${id}: retried ${second.at - first.at} ms after`);
      assert.equal(second.body, first.body);
    }
    await eventually(
      async () => (await attempts(hangId)).filter((a) => a.outcome === 'retry').length >= 3,
      'the timed-out attempts recorded',
    );
    for (const a of (await attempts(hangId)).slice(0, 3)) {
      assert.equal(a.status, null);
      assert.match(a.error ?? '', /timeout/);
      assert.ok(a.durationMs >= TIMEOUT_MS - 50, `a timed-out attempt lasted ${a.durationMs} ms`);
    }
  });

  it('a receiver that answers just under the timeout is delivered once; just over it, the attempt times out and is retried', async () => {
    const under = await receiver(() => ({ status: 200, body: 'ok', delayMs: TIMEOUT_MS - 1000 }));
    const over = await receiver(
      inTurn({ status: 200, body: 'late', delayMs: TIMEOUT_MS + 1000 }, { status: 200, body: 'ok' }),
    );
    const underId = await hook(under, 'under');
    const overId = await hook(over, 'over');
    const [underDelivery, overDelivery] = [await commit(underId, 0), await commit(overId, 0)];
    await eventually(
      async () => (await attempts(underId)).length === 1 && (await attempts(overId)).length === 2,
      'one attempt under the timeout, two over it',
      20_000,
    );
    await sleep(500);
    assert.deepEqual(under.requests.map(webhookId), [underDelivery], 'under the timeout: one request');
    const [underAttempt] = await attempts(underId);
    assert.equal(underAttempt?.outcome, 'success');
    assert.equal(underAttempt?.status, 200);
    assert.ok((underAttempt?.durationMs ?? 0) >= TIMEOUT_MS - 1000 - 50);

    assert.deepEqual(
      over.requests.map(webhookId),
      [overDelivery, overDelivery],
      'over: the same delivery twice',
    );
    const [late, retried] = await attempts(overId);
    assert.deepEqual([late?.outcome, late?.status], ['retry', null]);
    assert.match(late?.error ?? '', /timeout/);
    assert.deepEqual([retried?.outcome, retried?.status], ['success', 200]);
    assert.equal(await consecutiveFailures(overId), 0, 'the success reset the count');
  });

  it('a receiver that resets every connection: retried up to WEBHOOK_MAX_ATTEMPTS, then given up, each failure counted', async () => {
    const resetting = await receiver(() => ({ reset: true }));
    const resetId = await hook(resetting, 'reset');
    const delivery = await commit(resetId, 0);
    await resetting.waitFor((reqs) => reqs.length === MAX_ATTEMPTS, `${MAX_ATTEMPTS} attempts`, 20_000);
    await eventually(async () => (await attempts(resetId)).length === MAX_ATTEMPTS, 'every attempt recorded');
    await sleep(1000);
    assert.equal(resetting.requests.length, MAX_ATTEMPTS, 'no attempt beyond WEBHOOK_MAX_ATTEMPTS');
    assert.deepEqual(new Set(resetting.requests.map(webhookId)), new Set([delivery]));
    const recorded = await attempts(resetId);
    assert.deepEqual(
      recorded.map((a) => [a.attempt, a.status]),
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => [i + 1, null]),
    );
    for (const a of recorded) assert.match(a.error ?? '', /network/);
    assert.equal(await consecutiveFailures(resetId), MAX_ATTEMPTS);
  });

  it('a receiver that redirects (301, 302, 307, 308): the redirect is not followed, the attempt fails without retry and counts', async () => {
    const target = await receiver(answer(200, 'should never be asked'));
    for (const status of [301, 302, 307, 308]) {
      const redirecting = await receiver(answer(status, '', { Location: target.url }));
      const id = await hook(redirecting, `redirect-${status}`);
      const delivery = await commit(id, 0);
      await eventually(async () => (await attempts(id)).length === 1, `the ${status} attempt recorded`);
      await sleep(300);
      assert.deepEqual(redirecting.requests.map(webhookId), [delivery], `${status}: one request, no retry`);
      const [attempt] = await attempts(id);
      assert.deepEqual([attempt?.status, attempt?.outcome], [status, 'fail']);
      assert.equal(await consecutiveFailures(id), 1, `${status} counts as a failed attempt`);
    }
    assert.equal(target.requests.length, 0, 'no redirect was followed');
  });
});
