import { relayKeys } from '../../src/redis/keys.js';
import { DISPATCH_GROUP } from '../../src/webhooks/dispatcher.js';
import type { TestRedis } from './redis-server.js';
import type { TestRelay } from './test-relay.js';

/** Entries read by the dispatchers' consumer group and not yet acknowledged. */
export async function groupPending(redis: TestRedis, relay: TestRelay): Promise<number> {
  const [count] = (await redis.client.xpending(
    relayKeys(relay.config.redisKeyPrefix).events,
    DISPATCH_GROUP,
  )) as [number];
  return Number(count);
}

/** Whether the consumer group has been handed every entry of the stream. */
export async function groupReadAll(redis: TestRedis, relay: TestRelay): Promise<boolean> {
  const stream = relayKeys(relay.config.redisKeyPrefix).events;
  const groups = (await redis.client.xinfo('GROUPS', stream)) as unknown[][];
  const group = groups.find((g) => g[1] === DISPATCH_GROUP) ?? [];
  const lastDelivered = group[group.indexOf('last-delivered-id') + 1];
  const [last] = (await redis.client.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return lastDelivered === last?.[0];
}
