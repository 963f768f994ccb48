import { parseStreamId } from '../events/event-id.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import type { Attempt, AttemptLog } from './attempt-log.js';
import { parseRetryAfter } from './backoff.js';
import type { DeliveryJobData } from './delivery-job.js';
import type { Hook } from './hook.js';
import type { HookStore } from './hook-store.js';
import { DeliveryNetworkError, type PostJsonOptions, type PostJsonResponse } from './http-post.js';
import { type AttemptResult, classifyAttempt } from './outcome.js';
import { deliveryBody, pingBody } from './payload.js';
import { signDelivery } from './signing.js';
import { truncateBody } from './truncate.js';

/** What became of one attempt, for the queue to act on. */
export type DeliveryVerdict =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'held' }
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'failed'; readonly error: string };

export interface DeliveryContext {
  readonly hooks: HookStore;
  readonly attempts: AttemptLog;
  readonly post: (
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
    options: PostJsonOptions,
  ) => Promise<PostJsonResponse>;
  /** Wall clock, ms. */
  readonly now: () => number;
  readonly timeoutMs: number;
  readonly maxFailures: number;
  readonly allowPrivate: boolean;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
}

export interface DeliveryAttemptJob {
  /** The job id: the delivery's `webhook-id`, the same on every retry. */
  readonly id: string;
  readonly data: DeliveryJobData;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

const RESPONSE_BYTES_KEPT = 2048;

/** The response body as the attempt log keeps it, marked when the client stopped reading it. */
function keptResponse(response: PostJsonResponse): string {
  const { text } = truncateBody(response.body, RESPONSE_BYTES_KEPT);
  return response.truncated ? `${text}…[truncated]` : text;
}

function bodyFor(hook: Hook, data: DeliveryJobData, now: number): string {
  return data.ping ? pingBody(hook.api, hook.id, new Date(now)) : deliveryBody(hook.api, data.events);
}

/**
 * One attempt of one delivery: build the body the hook's API expects, sign it (Standard Webhooks) when the
 * hook has a secret, POST it, record the attempt, count consecutive failures and disable the hook at the
 * threshold (or at once on 410). Deliveries of a disabled hook are held, not attempted.
 */
export async function deliverOnce(job: DeliveryAttemptJob, ctx: DeliveryContext): Promise<DeliveryVerdict> {
  const hook = await ctx.hooks.get(job.data.hookId);
  if (!hook) return { kind: 'skipped', reason: 'the hook was deleted' };
  if (hook.isBanned) return { kind: 'held' };
  const started = ctx.now();
  const body = bodyFor(hook, job.data, started);
  const headers: Record<string, string> = {
    'User-Agent': 'event-relay',
    ...hook.headers,
    'Content-Type': 'application/json',
    // every delivery carries its id (stable across retries, for de-duplication) and time; signed with a secret
    'webhook-id': job.id,
    'webhook-timestamp': String(Math.floor(started / 1000)),
    ...(hook.secret ? signDelivery(hook.secret, job.id, new Date(started), body) : {}),
  };
  let status: number | null = null;
  let response: PostJsonResponse | undefined;
  let error: string | null = null;
  let durationMs = 0;
  let result: AttemptResult = { kind: 'network' };
  try {
    response = await ctx.post(hook.url, body, headers, {
      timeoutMs: ctx.timeoutMs,
      allowPrivate: ctx.allowPrivate,
      maxResponseBytes: RESPONSE_BYTES_KEPT,
    });
    status = response.status;
    durationMs = response.durationMs;
    result = { kind: 'response', status };
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (err) {
    if (!(err instanceof DeliveryNetworkError)) throw err;
    error = `${err.kind}: ${err.message}`;
    result = { kind: err.kind };
    durationMs = err.durationMs ?? ctx.now() - started;
  }
  const outcome = classifyAttempt(result);
  const attempt: Attempt = {
    deliveryId: job.id,
    attempt: job.attempt,
    at: new Date(started).toISOString(),
    status,
    durationMs: Math.round(durationMs),
    outcome: job.data.ping ? 'ping' : outcome,
    error,
    response: response ? keptResponse(response) : null,
  };
  const effect = job.data.ping ? 'none' : outcome === 'success' ? 'success' : 'failure';
  const failures = await ctx.attempts.record(hook.id, attempt, effect);
  ctx.metrics.deliveryAttempts.inc({ outcome: attempt.outcome });
  ctx.metrics.deliveryDuration.observe({ outcome: attempt.outcome }, durationMs / 1000);
  if (outcome === 'success') {
    if (job.data.commit)
      ctx.metrics.deliveryLatency.observe((ctx.now() - parseStreamId(job.data.commit).ms) / 1000);
    return { kind: 'delivered', status: status as number };
  }
  if (job.data.ping) return { kind: 'failed', error: error ?? 'ping failed' };

  if (outcome === 'disable') {
    await disableHook(ctx, hook.id, `the receiver answered ${status}: the hook is gone`);
    return { kind: 'failed', error: error ?? 'gone' };
  }
  const disabled = failures >= ctx.maxFailures;
  if (disabled) await disableHook(ctx, hook.id, `${failures} consecutive failed attempts (last: ${error})`);
  if (outcome === 'fail') return { kind: 'failed', error: error ?? 'failed' };
  if (disabled) return { kind: 'held' };
  const retryAfterMs = response ? parseRetryAfter(response.headers['retry-after'], ctx.now()) : undefined;
  return { kind: 'retry', error: error ?? 'retry', retryAfterMs };
}

/** Disables a hook (isBanned, with the reason), which appends WEBHOOK_UPDATED; a no-op if it already is. */
async function disableHook(ctx: DeliveryContext, hookId: string, reason: string): Promise<void> {
  const current = await ctx.hooks.get(hookId);
  if (!current || current.isBanned) return;
  await ctx.hooks.update(hookId, (hook) => ({ ...hook, isBanned: true, disabledReason: reason }), {
    authInfo: null,
  });
  ctx.logger.warn('webhook disabled', { hookId, reason });
}
