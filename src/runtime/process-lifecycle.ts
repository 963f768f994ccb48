import type { Logger } from '../logging/logger.js';

/**
 * The one shutdown path of a process: SIGINT or SIGTERM runs `stop` once, then exits 0; a stop that takes
 * longer than `timeoutMs` exits 1. A second signal does not start a second shutdown.
 */
export function onShutdownSignal(stop: () => Promise<void>, logger: Logger, timeoutMs: number): void {
  let started = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.info('shutting down', { signal });
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting', { timeoutMs });
      process.exit(1);
    }, timeoutMs + 5000);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
