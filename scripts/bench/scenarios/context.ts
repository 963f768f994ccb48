import type { RelayKeys } from '../../../src/redis/keys.js';
import type { BenchOptions } from '../lib/options.js';
import type { BenchRedis } from '../lib/redis-server.js';
import type { BenchRelay } from '../lib/relay-process.js';

/** The client process scripts under clients/. */
export type ClientName =
  | 'replay-reader'
  | 'webhook-receiver'
  | 'webhook-publisher'
  | 'direct-post'
  | 'fanout-sse'
  | 'fanout-publisher'
  | 'ingest-load';

/** What every scenario gets: the options, the fresh Redis and the relay under test. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly redis: BenchRedis;
  /** The relay under test (replaced by `freshRelay`). */
  relay: BenchRelay;
  /**
   * Stops the relay and starts a new process with the same settings on the same Redis, and makes it
   * `relay`: a scenario that measures the relay's memory starts from a fresh heap, not one the scenarios
   * before it grew (connections would reuse that memory, and look cheaper than they are).
   */
  readonly freshRelay: () => Promise<BenchRelay>;
  /** The relay's stream key. */
  readonly stream: string;
  /** Every key of the relay (the BullMQ prefix among them). */
  readonly keys: RelayKeys;
  /** The relay's REDIS_KEY_PREFIX, for the processes a scenario starts beside it. */
  readonly keyPrefix: string;
  /** The built delivery worker (`dist/workers/delivery-worker.js`). */
  readonly workerEntry: string;
  /** Absolute paths of the client process scripts. */
  readonly clientScript: (name: ClientName) => string;
}

export function authHeaders(relay: BenchRelay): Record<string, string> {
  return { 'Izanami-Client-Id': relay.admin.clientId, 'Izanami-Client-Secret': relay.admin.clientSecret };
}
