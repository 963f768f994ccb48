import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
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
      const started = JSON.parse(
        worker.lines.find((l) => l.includes('delivery worker started')) as string,
      ) as {
        port: number;
      };
      const base = `http://127.0.0.1:${started.port}`;
      assert.equal((await fetch(`${base}/health`)).status, 200);
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^# TYPE relay_webhook_attempts_total counter$/m);
      assert.equal((await fetch(`${base}/api/events`)).status, 404, 'no API on a worker');
    } finally {
      assert.equal(await worker.kill('SIGTERM'), 0);
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
