import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { answer, startReceiver } from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { spawnWorker } from '../helpers/worker-process.js';

const ENV = {
  RELAY_ADMIN_CLIENT_ID: 'w-admin',
  RELAY_ADMIN_CLIENT_SECRET: 'worker-alone-secret-1234',
  LOG_LEVEL: 'info',
};

describe('the delivery worker on its own', () => {
  let redis: TestRedis;
  let busy: Server;
  before(async () => {
    redis = await startTestRedis();
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    busy.close();
    await redis.stop();
  });

  it('serves /health, /ready and /metrics (its delivery counters) on PORT, and stops on SIGTERM with 0', async () => {
    const worker = await spawnWorker({ ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'alone' });
    try {
      const base = `http://127.0.0.1:${worker.startLine.port}`;
      assert.equal((await fetch(`${base}/health`)).status, 200);
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^# TYPE relay_webhook_attempts_total counter$/m);
      assert.equal((await fetch(`${base}/api/events`)).status, 404, 'no API on a worker');
    } finally {
      assert.equal(await worker.kill('SIGTERM'), 0);
    }
  });

  it('counts its deliveries in its /metrics, and on SIGTERM finishes the delivery in flight, then exits 0', async () => {
    const prefix = 'alone3';
    const relay = await startTestRelay(redis.url, {
      REDIS_KEY_PREFIX: prefix,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    const receiver = await startReceiver(answer(200, 'ok'));
    const env = { ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true' };
    const worker = await spawnWorker(env);
    try {
      const created = await relay.request('/api/webhooks', {
        method: 'POST',
        json: { clientId: 'alone-hook', callbackUrl: receiver.url, domains: ['Config'] },
      });
      assert.equal(created.status, 201);
      const publish = (key: string) =>
        relay.request('/api/events', {
          method: 'POST',
          json: { type: 'CONFIG_UPDATED', key, payload: { key } },
        });
      assert.equal((await publish('alone:1')).status, 201);
      await receiver.waitFor((r) => r.length === 1, 'the first delivery');
      const port = worker.startLine.port as number;
      // the receiver has the request before the worker records the attempt: poll, with a deadline
      const success = /^relay_webhook_attempts_total\{outcome="success"\} 1$/m;
      let metrics = '';
      for (const deadline = Date.now() + 10_000; !success.test(metrics) && Date.now() < deadline; ) {
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        if (!success.test(metrics)) await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(metrics, success);
      assert.match(metrics, /^relay_webhook_delivery_latency_seconds_count 1$/m);

      // a slow receiver: the worker is stopped while the second delivery is in flight
      receiver.script = () => ({ status: 200, body: 'slow ok', delayMs: 1500 });
      assert.equal((await publish('alone:2')).status, 201);
      await receiver.waitFor((r) => r.length === 2, 'the second delivery reaches the receiver');
      assert.equal(await worker.kill('SIGTERM'), 0);
      assert.notEqual(receiver.requests[1]?.respondedAt, undefined, 'the receiver answered before the exit');
      const deliveries = (await (await relay.request('/api/webhooks/alone-hook/deliveries')).json()) as {
        results: { status: number; outcome: string }[];
      };
      assert.deepEqual(
        deliveries.results.map((a) => [a.status, a.outcome]),
        [
          [200, 'success'],
          [200, 'success'],
        ],
        'the in-flight delivery was completed, not cut off',
      );
    } finally {
      await worker.kill('SIGKILL');
      await receiver.close();
      await relay.stop();
    }
  });

  it('refuses to start, with a message naming the address, when PORT is taken', async () => {
    const port = (busy.address() as { port: number }).port;
    await assert.rejects(
      spawnWorker({ ...ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'alone2', PORT: String(port) }),
      new RegExp(`worker cannot listen on 127\\.0\\.0\\.1:${port}`),
    );
  });
});
