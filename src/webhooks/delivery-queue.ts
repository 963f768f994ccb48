import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DELIVERY_QUEUE, type DeliveryJobData } from './delivery-job.js';

/** Completed deliveries are kept a day: long enough that a re-read stream entry still finds its job id. */
export const KEEP_COMPLETED_S = 86_400;
/** Failed deliveries are kept a week, for the dashboard and for sending them again. */
export const KEEP_FAILED_S = 7 * 86_400;

/** The deliveries queue, with the job options every delivery gets. */
export function createDeliveryQueue(
  connection: Redis,
  prefix: string,
  maxAttempts: number,
): Queue<DeliveryJobData> {
  return new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: maxAttempts,
      backoff: { type: 'relay' },
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: KEEP_FAILED_S },
    },
  });
}
