import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { ApiKeyStore } from '../auth/api-key-store.js';
import { Authenticator } from '../auth/authenticator.js';
import { VerifiedSecrets } from '../auth/secret-hash.js';
import type { RelayConfig } from '../config/config.js';
import { EventStore } from '../events/event-store.js';
import { createApp } from '../http/app.js';
import { PubSubIngest } from '../ingest/pubsub-ingest.js';
import type { Logger } from '../logging/logger.js';
import { createMetrics, type RelayMetrics } from '../metrics/metrics.js';
import { connectRedis, createRedis } from '../redis/connections.js';
import { relayKeys } from '../redis/keys.js';
import { FanoutHub } from '../sse/hub.js';
import { TailReader } from '../sse/tail-reader.js';
import { AttemptLog } from '../webhooks/attempt-log.js';
import { createDeliveryQueue } from '../webhooks/delivery-queue.js';
import { Dispatcher } from '../webhooks/dispatcher.js';
import { HookStore } from '../webhooks/hook-store.js';
import { validateHookUrl } from '../webhooks/hook-url.js';
import { ensureAdminKey } from './bootstrap-admin.js';
import { resolveTokenSecret } from './token-secret.js';

export interface RelayService {
  readonly server: Server;
  readonly port: number;
  readonly metrics: RelayMetrics;
  /** Idempotent: stop accepting, end SSE streams, stop reading, close connections. */
  stop(): Promise<void>;
}

export interface RelayServiceOptions {
  readonly config: RelayConfig;
  readonly redisUrl: string;
  readonly logger: Logger;
  /** Where the bootstrap admin secret is shown (development only). */
  readonly print?: (text: string) => void;
  readonly now?: () => number;
  /** Shared with the worker role when both run in one process (one /metrics). */
  readonly metrics?: RelayMetrics;
}

/**
 * Starts the relay role: HTTP API, SSE fan-out with its one tail reader, pub/sub ingest. The port opens only
 * once everything can serve, so a browser EventSource never meets a start-up error.
 */
export async function startRelay(options: RelayServiceOptions): Promise<RelayService> {
  const { config, redisUrl, logger } = options;
  const now = options.now ?? Date.now;
  const keys = relayKeys(config.redisKeyPrefix);
  const redis = createRedis(redisUrl, 'command', logger);
  const replayRedis = createRedis(redisUrl, 'replay', logger, { commandTimeout: 30_000 });
  const tailRedis = createRedis(redisUrl, 'tail', logger);
  const subscriber = createRedis(redisUrl, 'subscriber', logger);
  const queueRedis = createRedis(redisUrl, 'queue', logger);
  const connections: Redis[] = [redis, replayRedis, tailRedis, subscriber, queueRedis];
  await Promise.all(connections.map((c) => connectRedis(c, 60_000)));

  const retention = { retentionMs: config.eventsRetentionMs, maxLength: config.eventsMaxLength };
  const store = new EventStore(redis, keys, retention);
  const apiKeys = new ApiKeyStore(redis, keys, retention);
  const hooks = new HookStore(redis, keys, retention);
  const metrics = options.metrics ?? createMetrics();
  await ensureAdminKey(
    apiKeys,
    config.admin,
    logger,
    options.print ?? ((t) => process.stdout.write(`${t}\n`)),
  );
  const tokenSecret = await resolveTokenSecret(redis, keys.tokenSecret, config.tokenSecret);
  const authenticator = new Authenticator({ apiKeys, verified: new VerifiedSecrets(), tokenSecret, now });
  apiKeys.onChange((clientId) => authenticator.forget(clientId));

  const queue = createDeliveryQueue(queueRedis, keys.bullPrefix, config.webhook.maxAttempts);
  const attempts = new AttemptLog(redis, keys);
  const dispatcher = new Dispatcher({
    redis,
    store,
    stream: keys.events,
    hooks,
    queue,
    logger,
    claimIdleMs: config.webhook.claimIdleMs,
    metrics,
  });
  await dispatcher.start();

  const startId = await store.lastId();
  const hub = new FanoutHub(startId);
  const tail = new TailReader(
    {
      redis: tailRedis,
      stream: keys.events,
      logger,
      onEntries: (entries) => {
        hub.dispatch(entries);
        // a key changed by another process: its record is read again at its next use
        for (const e of entries) if (e.domain === 'ApiKey') authenticator.forget(e.key);
      },
      // the dispatcher's XREADGROUP goes with the tail reader's XREAD: one read per event, not two
      rider: dispatcher,
    },
    startId,
  );
  tail.start();
  hub.startHeartbeat(config.sse.heartbeatMs);
  const checkHookUrl = async (url: string, path: string) => {
    await validateHookUrl(url, { allowPrivate: config.webhook.allowPrivate, path });
  };

  const ingest = config.ingest.enabled
    ? new PubSubIngest({
        subscriber,
        channel: config.ingest.channel,
        store,
        dedupTtlMs: config.ingest.dedupTtlMs,
        logger,
        metrics,
      })
    : undefined;
  await ingest?.start();

  let shuttingDown = false;
  const app = createApp({
    config,
    logger,
    metrics,
    redis,
    replayRedis,
    store,
    apiKeys,
    authenticator,
    hub,
    hooks,
    checkHookUrl,
    deliveries: { queue, attempts },
    tokenSecret,
    now,
    isShuttingDown: () => shuttingDown,
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('relay listening', { port, host: config.host, startId });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      shuttingDown = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      hub.closeAll('shutdown');
      server.closeIdleConnections();
      await tail.stop();
      await dispatcher.stop();
      await subscriber.quit().catch(() => subscriber.disconnect());
      await ingest?.drain();
      const forced = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(forced);
      // BullMQ's close waits on Redis: bounded, so a shutdown during an outage still ends
      await Promise.race([queue.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await Promise.all([redis, replayRedis, queueRedis].map((c) => c.quit().catch(() => c.disconnect())));
      logger.info('relay stopped');
    })();
    return stopping;
  };
  return { server, port, metrics, stop };
}
