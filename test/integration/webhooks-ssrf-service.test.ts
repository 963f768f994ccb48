import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { RelayConfig } from '../../src/config/config.js';
import { relayKeys } from '../../src/redis/keys.js';
import { startWorker, type WorkerService } from '../../src/runtime/worker-service.js';
import type { Attempt } from '../../src/webhooks/attempt-log.js';
import { DELIVERY_QUEUE } from '../../src/webhooks/delivery-job.js';
import { captureLogs } from '../helpers/log-capture.js';
import { answer, type Receiver, startReceiver } from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { configEvent, eventually, expectError, publish, streamLength } from '../helpers/relay-checks.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// Issue 5, SSRF through the service itself (webhooks-ssrf.test.ts tests the pieces): the HTTP API refuses hook
// URLs on private addresses in every form, the delivery worker refuses them again at delivery even when the
// relay that registered the hook allowed them, and a redirect to a private address is never followed.

/** URLs a production relay (no WEBHOOK_ALLOW_PRIVATE) refuses at registration, with the address it names. */
const FORBIDDEN_URLS: readonly [string, RegExp][] = [
  ['http://127.0.0.1:9/hook', /127\.0\.0\.1 is a loopback address/],
  ['http://localhost:9/hook', /localhost resolves to .* loopback address/],
  ['http://2130706433/hook', /127\.0\.0\.1 is a loopback address/],
  ['http://0177.0.0.1/hook', /127\.0\.0\.1 is a loopback address/],
  ['http://0x7f.1/hook', /127\.0\.0\.1 is a loopback address/],
  ['http://[::1]/hook', /::1 is a loopback address/],
  ['http://[::ffff:127.0.0.1]/hook', /::ffff:7f00:1 is a loopback address/],
  ['http://[::ffff:7f00:1]/hook', /::ffff:7f00:1 is a loopback address/],
  ['http://10.1.2.3/hook', /private address/],
  ['http://172.20.0.1/hook', /private address/],
  ['http://192.168.0.10/hook', /private address/],
  ['http://169.254.169.254/latest/meta-data/', /metadata address/],
  ['http://[fd00:ec2::254]/latest/meta-data/', /metadata address/],
  ['http://[fc00::1]/hook', /unique-local address/],
  ['http://[fd12:3456::1]/hook', /unique-local address/],
  ['http://[fe80::1]/hook', /link-local address/],
  ['http://169.254.1.1/hook', /link-local address/],
];

interface HookView {
  readonly clientId: string;
  readonly consecutiveFailures: number;
}

async function deliveries(relay: TestRelay, id: string): Promise<Attempt[]> {
  const res = await relay.request(`/api/webhooks/${encodeURIComponent(id)}/deliveries`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { results: Attempt[] }).results;
}

/**
 * Waits until the delivery's job is failed for good (no retry scheduled), then returns the hook's attempts. A
 * handle on the deliveries queue only to look at the job (the relay and the worker own the queue).
 */
async function finalAttempts(relay: TestRelay, redis: TestRedis, hookId: string): Promise<Attempt[]> {
  await eventually(async () => (await deliveries(relay, hookId)).length > 0, `an attempt for ${hookId}`);
  const [first] = (await deliveries(relay, hookId)) as [Attempt];
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(DELIVERY_QUEUE, {
    connection,
    prefix: relayKeys(relay.config.redisKeyPrefix).bullPrefix,
  });
  try {
    await eventually(
      async () => (await (await queue.getJob(first.deliveryId))?.getState()) === 'failed',
      `the delivery ${first.deliveryId} failed for good`,
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
  return deliveries(relay, hookId);
}

async function createHook(relay: TestRelay, body: Record<string, unknown>): Promise<HookView> {
  const res = await relay.request('/api/webhooks', { method: 'POST', json: body });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text) as HookView;
}

describe('hook URLs refused at registration by the HTTP API (no WEBHOOK_ALLOW_PRIVATE)', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let existing: HookView;
  let tweekId: string;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    existing = await createHook(relay, { callbackUrl: 'http://93.184.216.34/ok' });
    const res = await relay.request('/api/v2/hooks', {
      method: 'POST',
      json: { keyPath: 'a/*', type: 'notification_webhook', url: 'http://93.184.216.34/ok' },
    });
    assert.equal(res.status, 201);
    tweekId = ((await res.json()) as { id: string }).id;
  });
  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });

  /** Sends a write that must be refused as a forbidden address: 400 naming the field, nothing appended. */
  async function refused(path: string, method: string, json: unknown, field: string, message: RegExp) {
    const length = await streamLength(redis, relay);
    const res = await relay.request(path, { method, json });
    const body = await expectError(res, 400, 'RELAY_ERR_VALIDATION');
    const detail = body.error.details?.find((d) => d.path === field);
    assert.ok(detail, `${method} ${path}: a detail for ${field}: ${JSON.stringify(body)}`);
    assert.match(detail.message, /must not point at a private or reserved address/);
    assert.match(detail.message, message, `${method} ${path} ${JSON.stringify(json)}`);
    assert.equal(await streamLength(redis, relay), length, 'nothing appended');
  }

  it('refuses every loopback, private, link-local, metadata and IPv6 form on POST /api/webhooks', async () => {
    for (const [url, message] of FORBIDDEN_URLS) {
      await refused('/api/webhooks', 'POST', { callbackUrl: url }, 'callbackUrl', message);
    }
    const list = await relay.request('/api/webhooks');
    assert.equal(((await list.json()) as { results: unknown[] }).results.length, 1, 'no hook was created');
  });

  it('refuses them on PUT and PATCH of an existing webhook, which keeps its URL', async () => {
    const path = `/api/webhooks/${existing.clientId}`;
    for (const [url, message] of FORBIDDEN_URLS) {
      await refused(path, 'PUT', { callbackUrl: url }, 'callbackUrl', message);
      await refused(
        path,
        'PATCH',
        [{ op: 'replace', path: '/callbackUrl', value: url }],
        'callbackUrl',
        message,
      );
    }
    const res = await relay.request(path);
    assert.equal(((await res.json()) as { callbackUrl: string }).callbackUrl, 'http://93.184.216.34/ok');
  });

  it('refuses them on POST and PUT /api/v2/hooks (Tweek)', async () => {
    for (const [url, message] of FORBIDDEN_URLS) {
      const hook = { keyPath: 'a/*', type: 'notification_webhook', url };
      await refused('/api/v2/hooks', 'POST', hook, 'url', message);
      await refused(`/api/v2/hooks/${tweekId}`, 'PUT', hook, 'url', message);
    }
  });

  it('refuses a *.localhost name, whether the resolver maps it to loopback or does not resolve it', async () => {
    const res = await relay.request('/api/webhooks', {
      method: 'POST',
      json: { callbackUrl: 'http://relay-ssrf-test.localhost:9/hook' },
    });
    const body = await expectError(res, 400, 'RELAY_ERR_VALIDATION');
    assert.match(
      body.error.details?.[0]?.message ?? '',
      /resolves to .* loopback address|does not resolve/,
      JSON.stringify(body),
    );
  });
});

describe('delivery re-checks the address: a hook registered where private addresses were allowed', () => {
  let redis: TestRedis;
  /** Registers with WEBHOOK_ALLOW_PRIVATE=true (as a development relay would). */
  let relay: TestRelay;
  /** A worker configured as in production: private addresses refused. */
  let worker: WorkerService;
  let receiver: Receiver;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' });
    const config: RelayConfig = {
      ...relay.config,
      webhook: { ...relay.config.webhook, allowPrivate: false },
    };
    worker = await startWorker({
      config,
      redisUrl: redis.url,
      logger: captureLogs('debug', 'ssrf-worker').logger,
    });
    receiver = await startReceiver(answer(200, 'should never be reached'));
  });
  after(async () => {
    await worker?.stop();
    await receiver?.close();
    await relay?.stop();
    await redis?.stop();
  });

  it('fails the delivery as a forbidden address, with no request to the receiver and no retry', async () => {
    const loopbackForms = [
      receiver.url,
      `http://localhost:${receiver.port}/`,
      `http://[::ffff:127.0.0.1]:${receiver.port}/`,
      `http://2130706433:${receiver.port}/`,
    ];
    const hooks = [];
    for (const [i, url] of loopbackForms.entries()) {
      hooks.push(await createHook(relay, { callbackUrl: url, patterns: [`ssrf:${i}`] }));
    }
    await publish(relay, { events: loopbackForms.map((_, i) => configEvent(`ssrf:${i}`)) });
    for (const [i, hook] of hooks.entries()) {
      const attempts = await finalAttempts(relay, redis, hook.clientId);
      assert.equal(attempts.length, 1, `${loopbackForms[i]}: one attempt, not retried`);
      const [attempt] = attempts as [Attempt];
      assert.equal(attempt.outcome, 'fail');
      assert.equal(attempt.status, null);
      assert.match(attempt.error ?? '', /^forbidden-address: .*loopback/, loopbackForms[i]);
    }
    assert.equal(receiver.requests.length, 0, 'the receiver was never reached');
  });

  it('refuses the ping of POST /api/webhooks/{id}/test the same way', async () => {
    const hook = await createHook(relay, { callbackUrl: `${receiver.url}ping`, patterns: ['none:*'] });
    const res = await relay.request(`/api/webhooks/${hook.clientId}/test`, { method: 'POST' });
    assert.equal(res.status, 202);
    await eventually(async () => (await deliveries(relay, hook.clientId)).length > 0, 'the ping attempt');
    const [attempt] = (await deliveries(relay, hook.clientId)) as [Attempt];
    assert.equal(attempt.outcome, 'ping');
    assert.match(attempt.error ?? '', /^forbidden-address: /);
    assert.equal(receiver.requests.length, 0);
  });
});

describe('a redirect to a private address is not followed', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let worker: WorkerService;
  let target: Receiver;
  let redirector: Receiver;

  before(async () => {
    redis = await startTestRedis();
    // private addresses allowed, so that the receivers on 127.0.0.1 can be reached at all
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' });
    worker = await startWorker({
      config: relay.config,
      redisUrl: redis.url,
      logger: captureLogs('debug', 'redirect-worker').logger,
    });
    target = await startReceiver(answer(200, 'stolen'));
    redirector = await startReceiver(() => ({
      status: 302,
      headers: { Location: `http://127.0.0.1:${target.port}/internal/admin` },
    }));
  });
  after(async () => {
    await worker?.stop();
    await target?.close();
    await redirector?.close();
    await relay?.stop();
    await redis?.stop();
  });

  it('records the 302 as a failed attempt, does not retry, and never requests the Location', async () => {
    const hook = await createHook(relay, { callbackUrl: redirector.url, patterns: ['redirect:*'] });
    await publish(relay, configEvent('redirect:1'));
    const attempts = await finalAttempts(relay, redis, hook.clientId);
    assert.equal(attempts.length, 1, 'a 3xx is not retried');
    const [attempt] = attempts as [Attempt];
    assert.equal(attempt.status, 302);
    assert.equal(attempt.outcome, 'fail');
    assert.equal(attempt.error, 'HTTP 302');
    assert.equal(redirector.requests.length, 1);
    assert.equal(target.requests.length, 0, 'the redirect target was never requested');
    const view = (await (await relay.request(`/api/webhooks/${hook.clientId}`)).json()) as HookView;
    assert.equal(view.consecutiveFailures, 1, 'the failure counts toward disabling the hook');
  });
});
