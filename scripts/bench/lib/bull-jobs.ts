import type { Redis } from 'ioredis';

/** A finished BullMQ job's own times (ms since the epoch, as the adding and the processing process saw them). */
export interface JobTimes {
  /** When the job was added (the relay's dispatcher, `Queue.addBulk`). */
  readonly addedAt: number;
  /** When its last attempt started (the worker, moving it to active). */
  readonly processedOn: number;
  /** When it was completed or failed for good. */
  readonly finishedOn: number;
  readonly attemptsMade: number;
}

/**
 * Reads the times of the given jobs from their hashes (`<prefix>:<queue>:<jobId>`), pipelined in slices; jobs
 * without a hash (removed) or not finished are left out.
 */
export async function jobTimes(
  redis: Redis,
  prefix: string,
  queue: string,
  jobIds: readonly string[],
): Promise<Map<string, JobTimes>> {
  const out = new Map<string, JobTimes>();
  const SLICE = 1000;
  for (let i = 0; i < jobIds.length; i += SLICE) {
    const slice = jobIds.slice(i, i + SLICE);
    const pipeline = redis.pipeline();
    for (const id of slice)
      pipeline.hmget(`${prefix}:${queue}:${id}`, 'timestamp', 'processedOn', 'finishedOn', 'atm');
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([err, fields], j) => {
      if (err) throw err;
      const [added, processed, finished, atm] = (fields as (string | null)[]).map(Number);
      if (!(Number(added) > 0 && Number(processed) > 0 && Number(finished) > 0)) return;
      out.set(slice[j] as string, {
        addedAt: added as number,
        processedOn: processed as number,
        finishedOn: finished as number,
        attemptsMade: Number.isFinite(atm) ? (atm as number) : 0,
      });
    });
  }
  return out;
}
