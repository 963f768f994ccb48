import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ApiKeyStore } from '../auth/api-key-store.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { RelayConfig } from '../config/config.js';
import type { EventStore } from '../events/event-store.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import type { FanoutHub } from '../sse/hub.js';
import type { AttemptLog } from '../webhooks/attempt-log.js';
import type { DeliveryJobData } from '../webhooks/delivery-job.js';
import type { HookStore } from '../webhooks/hook-store.js';

/** Everything the HTTP app needs, built by the entry point (or a test) and handed in. */
export interface AppDeps {
  readonly config: RelayConfig;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  /** The fail-fast command connection. */
  readonly redis: Redis;
  /** The connection replays page on. */
  readonly replayRedis: Redis;
  readonly store: EventStore;
  readonly apiKeys: ApiKeyStore;
  readonly authenticator: Authenticator;
  readonly hub: FanoutHub;
  readonly hooks: HookStore;
  /** The deliveries queue (dashboard, sending again, pings) and the attempt log. */
  readonly deliveries: { readonly queue: Queue<DeliveryJobData>; readonly attempts: AttemptLog };
  /** Refuses (400) a hook URL that is not http(s) or resolves to a forbidden address; `path` names the field. */
  readonly checkHookUrl: (url: string, path: string) => Promise<void>;
  readonly tokenSecret: string;
  readonly now: () => number;
  /** True once shutdown began: new requests get a 503. */
  readonly isShuttingDown: () => boolean;
}
