import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayConfig } from '../config/config.js';
import { createOpsApp } from '../http/ops-app.js';
import type { Logger } from '../logging/logger.js';
import { createMetrics, type RelayMetrics } from '../metrics/metrics.js';
import { connectRedis, createRedis } from '../redis/connections.js';
import { relayKeys } from '../redis/keys.js';
import { AttemptLog } from '../webhooks/attempt-log.js';
import { startDeliveryWorker } from '../webhooks/delivery-worker.js';
import { HookStore } from '../webhooks/hook-store.js';
import { destroyDeliveryAgents, postJson } from '../webhooks/http-post.js';

export interface WorkerService {
  /** Idempotent: lets in-flight deliveries finish (or hands them back), then closes connections. */
  stop(): Promise<void>;
}

/** Starts the worker role: BullMQ delivery worker on the deliveries queue. */
export async function startWorker(options: {
  config: RelayConfig;
  redisUrl: string;
  logger: Logger;
  /** The relay's registry when both roles run in one process; a worker alone counts in a registry of its own. */
  metrics?: RelayMetrics;
  /** A worker alone serves /health, /ready and /metrics on PORT (the relay does when they share a process). */
  serveOps?: boolean;
}): Promise<WorkerService> {
  const { config, redisUrl, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const keys = relayKeys(config.redisKeyPrefix);
  // Not fail-fast: while Redis is away a delivery waits for it rather than failing an attempt.
  const redis = createRedis(redisUrl, 'queue', logger);
  const workerRedis = createRedis(redisUrl, 'worker', logger);
  await Promise.all([redis, workerRedis].map((c) => connectRedis(c, 60_000)));
  const retention = { retentionMs: config.eventsRetentionMs, maxLength: config.eventsMaxLength };
  const worker = startDeliveryWorker({
    connection: workerRedis,
    prefix: keys.bullPrefix,
    backoffMs: config.webhook.backoffMs,
    concurrency: config.webhook.concurrency,
    stalledMs: config.webhook.stalledMs,
    // a crash mid-delivery is an attempt with no outcome: as many as there are attempts
    maxStalls: config.webhook.maxAttempts,
    logger,
    context: {
      hooks: new HookStore(redis, keys, retention),
      attempts: new AttemptLog(redis, keys),
      post: postJson,
      now: Date.now,
      timeoutMs: config.webhook.timeoutMs,
      maxFailures: config.webhook.maxFailures,
      allowPrivate: config.webhook.allowPrivate,
      logger,
      metrics,
    },
  });
  await worker.waitUntilReady();
  let shuttingDown = false;
  const ops = options.serveOps
    ? createServer(createOpsApp({ redis, metrics, logger, isShuttingDown: () => shuttingDown }).callback())
    : undefined;
  if (ops) {
    await new Promise<void>((resolve, reject) => {
      ops.once('error', (err) =>
        reject(new Error(`worker cannot listen on ${config.host}:${config.port}: ${err.message}`)),
      );
      ops.listen(config.port, config.host, resolve);
    });
  }
  logger.info('delivery worker started', {
    concurrency: config.webhook.concurrency,
    ...(ops ? { port: (ops.address() as AddressInfo).port } : {}),
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        shuttingDown = true;
        const closed = ops ? new Promise((r) => ops.close(r)) : Promise.resolve();
        ops?.closeIdleConnections();
        // waits for the active deliveries; a job cut off by a kill is picked up again as stalled
        await Promise.race([
          worker.close(),
          new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref()),
        ]);
        destroyDeliveryAgents();
        await closed;
        await Promise.all([redis, workerRedis].map((c) => c.quit().catch(() => c.disconnect())));
        logger.info('delivery worker stopped');
      })();
      return stopping;
    },
  };
}
