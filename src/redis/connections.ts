import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export type RedisRole = 'command' | 'tail' | 'subscriber' | 'replay' | 'queue' | 'worker';

/**
 * Redis connections by role:
 * - `command`: API reads and writes. Fails fast while Redis is away (no offline queue), so a publish gets a 503
 *   at once instead of hanging, and nothing is half-written (every write is one command: a script, or a single
 *   event's XADD).
 * - `tail`: the one blocking XREAD of a process; nothing else may use it but the dispatcher's read, which goes
 *   in the same pipeline (src/sse/tail-reader.ts).
 * - `subscriber`: pub/sub ingest.
 * - `replay`: XRANGE pages for reconnecting SSE clients, apart from the API's connection.
 * - `queue`, `worker`: BullMQ's (it needs `maxRetriesPerRequest: null`, and duplicates them for blocking).
 * Every connection retries forever with a capped delay and logs its errors.
 */
export function createRedis(url: string, role: RedisRole, logger: Logger, extra: RedisOptions = {}): Redis {
  const failFast = role === 'command' || role === 'replay';
  const redis = new Redis(url, {
    connectionName: `relay:${role}`,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 0 : null,
    commandTimeout: failFast ? 5000 : undefined,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: true,
    ...extra,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn('redis connection error', { role, error: err.message });
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis connection back', { role });
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready, retrying until `timeoutMs`. */
export async function connectRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  const deadline = Date.now() + timeoutMs;
  if (redis.status === 'wait') await redis.connect().catch(() => undefined);
  while ((redis.status as string) !== 'ready') {
    if (Date.now() > deadline)
      throw new Error(`redis not ready after ${timeoutMs} ms (status ${redis.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
