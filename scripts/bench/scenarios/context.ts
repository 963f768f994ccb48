import type { BenchOptions } from '../lib/options.js';
import type { BenchRedis } from '../lib/redis-server.js';
import type { BenchRelay } from '../lib/relay-process.js';

/** What every scenario gets: the options, the fresh Redis and the relay under test. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly redis: BenchRedis;
  readonly relay: BenchRelay;
  /** The relay's stream key. */
  readonly stream: string;
  /** Absolute paths of the client process scripts. */
  readonly clientScript: (name: 'idle-sse' | 'replay-reader') => string;
}

export function authHeaders(relay: BenchRelay): Record<string, string> {
  return { 'Izanami-Client-Id': relay.admin.clientId, 'Izanami-Client-Secret': relay.admin.clientSecret };
}
