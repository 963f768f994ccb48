import type { Redis } from 'ioredis';
import type { RelayKeys } from '../redis/keys.js';

/** One delivery attempt as `GET /api/webhooks/{id}/deliveries` shows it. */
export interface Attempt {
  readonly deliveryId: string;
  /** 1 for the first attempt of a delivery. */
  readonly attempt: number;
  /** ISO 8601 UTC. */
  readonly at: string;
  /** HTTP status, or null when there was no response (timeout, network, refused address). */
  readonly status: number | null;
  readonly durationMs: number;
  readonly outcome: 'success' | 'retry' | 'disable' | 'fail' | 'ping';
  readonly error: string | null;
  /** The response body, truncated. */
  readonly response: string | null;
}

/** Attempts kept per hook, newest first, for 30 days after the last one (so a deleted hook's go too). */
export const ATTEMPTS_KEPT = 500;
const ATTEMPTS_TTL_MS = 30 * 86_400_000;

/**
 * The record of delivery attempts and each hook's delivery state. Counting consecutive failures is one atomic
 * transaction with the record, so concurrent workers count every failure once.
 */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RelayKeys,
  ) {}

  /**
   * Records an attempt: a `failure` adds one to the hook's consecutive failures, a `success` resets them, and
   * `none` (pings) leaves them as they are. Returns the consecutive failures after it.
   */
  async record(hookId: string, attempt: Attempt, effect: 'success' | 'failure' | 'none'): Promise<number> {
    const state = this.keys.hookState(hookId);
    const tx = this.redis
      .multi()
      .lpush(this.keys.hookAttempts(hookId), JSON.stringify(attempt))
      .ltrim(this.keys.hookAttempts(hookId), 0, ATTEMPTS_KEPT - 1)
      .pexpire(this.keys.hookAttempts(hookId), ATTEMPTS_TTL_MS)
      .hset(state, 'lastAttemptAt', attempt.at, 'lastError', attempt.error ?? '');
    if (effect === 'success') tx.hset(state, 'failures', 0, 'lastSuccessAt', attempt.at);
    if (effect === 'failure') tx.hincrby(state, 'failures', 1);
    tx.hget(state, 'failures');
    const replies = (await tx.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    return Number(replies[replies.length - 1]?.[1] ?? 0);
  }

  /** Newest first. */
  async list(hookId: string, start: number, count: number): Promise<{ total: number; attempts: Attempt[] }> {
    const [total, raw] = await Promise.all([
      this.redis.llen(this.keys.hookAttempts(hookId)),
      this.redis.lrange(this.keys.hookAttempts(hookId), start, start + count - 1),
    ]);
    return { total, attempts: raw.map((a) => JSON.parse(a) as Attempt) };
  }
}
