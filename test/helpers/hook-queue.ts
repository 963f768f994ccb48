import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { relayKeys } from '../../src/redis/keys.js';
import { DELIVERY_QUEUE, type DeliveryJobData } from '../../src/webhooks/delivery-job.js';
import type { TestRedis } from './redis-server.js';
import type { TestRelay } from './test-relay.js';

/** A webhook whose deliveries no worker takes: the dispatcher's jobs stay in the relay's queue, to be counted. */
export interface HookQueue {
  readonly queue: Queue<DeliveryJobData>;
  readonly hookId: string;
  close(): Promise<void>;
}

/** Registers an Izanami webhook for `patterns` in domain Config (to a port nothing listens on). */
export async function hookQueue(redis: TestRedis, relay: TestRelay, patterns: string[]): Promise<HookQueue> {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix: relayKeys(relay.config.redisKeyPrefix).bullPrefix,
  });
  const res = await relay.request('/api/webhooks', {
    method: 'POST',
    json: { callbackUrl: 'http://127.0.0.1:9/hook', domains: ['Config'], patterns },
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return {
    queue,
    hookId: (JSON.parse(text) as { clientId: string }).clientId,
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}
