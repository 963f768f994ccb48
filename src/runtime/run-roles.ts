import { ConfigError, loadConfig, type RelayConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { type EmbeddedRedis, startEmbeddedRedis } from './embedded-redis.js';
import { onShutdownSignal } from './process-lifecycle.js';
import { startRelay } from './relay-service.js';
import { startWorker } from './worker-service.js';

export type Role = 'relay' | 'worker';

/**
 * What every entry point does: load and validate the configuration once, start the embedded Redis when no
 * REDIS_URL is set, start the roles asked for, and stop them all on SIGINT/SIGTERM.
 */
export async function runRoles(roles: readonly Role[]): Promise<void> {
  let config: RelayConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger: Logger = createLogger({ level: config.logLevel });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  onShutdownSignal(stopAll, logger, config.shutdownTimeoutMs);
  try {
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      const embedded: EmbeddedRedis = await startEmbeddedRedis({
        dataDir: config.dataDir,
        port: config.embeddedRedisPort,
        logger,
      });
      stops.push(embedded.stop);
      redisUrl = embedded.url;
    }
    const metrics = createMetrics();
    if (roles.includes('worker')) {
      const worker = await startWorker({
        config,
        redisUrl,
        logger,
        metrics,
        serveOps: !roles.includes('relay'),
      });
      stops.push(worker.stop);
    }
    if (roles.includes('relay')) {
      const relay = await startRelay({ config, redisUrl, logger, metrics });
      stops.push(relay.stop);
    }
  } catch (err) {
    logger.error('start-up failed', { error: err });
    await stopAll().catch(() => undefined);
    process.exit(1);
  }
}
