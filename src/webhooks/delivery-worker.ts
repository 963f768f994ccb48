import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { retryDelayMs } from './backoff.js';
import { DELIVERY_QUEUE, type DeliveryJobData } from './delivery-job.js';
import { type DeliveryContext, deliverOnce } from './delivery-processor.js';

/** How often a held delivery (its hook disabled) looks again whether the hook was re-enabled. */
export const HOLD_RECHECK_MS = 5000;

/** A failed attempt BullMQ should retry, carrying the receiver's Retry-After when it sent one. */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = 'RetryableDeliveryError';
  }
}

export interface DeliveryWorkerOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly context: DeliveryContext;
  readonly backoffMs: number;
  readonly concurrency: number;
  /** Lock duration and stall check interval: how soon a killed worker's delivery is taken over. */
  readonly stalledMs: number;
  /**
   * How many times a delivery may be cut off by the death of its worker and still be taken over (BullMQ's
   * default, 1, fails a delivery for good the second time: a lost delivery after two crashes).
   */
  readonly maxStalls: number;
  readonly logger: Logger;
}

/**
 * The BullMQ worker of the deliveries queue: each job is one delivery (a commit to a hook), each run of it one
 * attempt. Retries use the relay's backoff (exponential with jitter, or the receiver's Retry-After); a held
 * delivery goes back to the delayed set without using an attempt; a worker killed mid-delivery leaves a
 * stalled job that another worker picks up.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): Worker<DeliveryJobData> {
  const { context, logger } = options;
  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job: Job<DeliveryJobData>, token?: string) => {
      const verdict = await deliverOnce(
        { id: job.id as string, data: job.data, attempt: job.attemptsMade + 1 },
        context,
      );
      switch (verdict.kind) {
        case 'delivered':
          return { status: verdict.status };
        case 'skipped':
          return { skipped: verdict.reason };
        case 'held':
          await job.moveToDelayed(Date.now() + HOLD_RECHECK_MS, token);
          throw new DelayedError();
        case 'retry':
          throw new RetryableDeliveryError(verdict.error, verdict.retryAfterMs);
        case 'failed':
          throw new UnrecoverableError(verdict.error);
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.stalledMs,
      stalledInterval: options.stalledMs,
      maxStalledCount: options.maxStalls,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          retryDelayMs(
            attemptsMade,
            options.backoffMs,
            Math.random,
            err instanceof RetryableDeliveryError ? err.retryAfterMs : undefined,
          ),
      },
    },
  );
  worker.on('error', (err) => logger.warn('delivery worker error', { error: err.message }));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.warn('delivery failed for good', { jobId: job.id, hookId: job.data.hookId, error: err.message });
    }
  });
  return worker;
}
