import type { Redis } from 'ioredis';
import { redisCpuSeconds } from '../lib/redis-info.js';

export const XRANGE_PAGE = 1000;

export interface RawRead {
  readonly entries: number;
  readonly seconds: number;
  readonly rate: number;
  /** Redis' own CPU seconds for the pass: entries / this is Redis' side of the ceiling. */
  readonly redisCpuS: number;
}

/**
 * The ceiling for replay: reading the same entries straight from Redis with ioredis, `XRANGE … COUNT 1000`
 * pages from an exclusive start to the end, nothing else done with them.
 */
export async function rawXrange(redis: Redis, stream: string, afterStreamId: string): Promise<RawRead> {
  const redisCpu = await redisCpuSeconds(redis);
  const started = performance.now();
  let cursor = afterStreamId;
  let entries = 0;
  for (;;) {
    const page = (await redis.xrange(stream, `(${cursor}`, '+', 'COUNT', XRANGE_PAGE)) as [
      string,
      string[],
    ][];
    const last = page[page.length - 1];
    if (!last) break;
    entries += page.length;
    cursor = last[0];
    if (page.length < XRANGE_PAGE) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const redisCpuS = (await redisCpuSeconds(redis)) - redisCpu;
  return { entries, seconds, rate: entries / seconds, redisCpuS };
}
