/**
 * What one delivery attempt means for the delivery and its hook (CONTRACT.md, Delivery guarantees).
 * - `success`: done; the hook's consecutive-failure count is reset.
 * - `retry`: try again after a backoff, up to WEBHOOK_MAX_ATTEMPTS; counts as a failed attempt.
 * - `disable`: the receiver said the hook is gone (410): disable the hook at once, do not retry.
 * - `fail`: a permanent failure: not retried; counts as a failed attempt.
 */
export type AttemptOutcome = 'success' | 'retry' | 'disable' | 'fail';

/**
 * How an attempt ended: an HTTP response with its status, or no response at all — `timeout` (no complete
 * response within WEBHOOK_TIMEOUT_MS), `network` (refused, reset, DNS failure…), `forbidden-address` (the host
 * resolved to an address the SSRF guard refuses). The kinds are those of http-post.ts's DeliveryNetworkError.
 */
export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number }
  | { readonly kind: 'timeout' | 'network' | 'forbidden-address' };

/**
 * Classifies an HTTP status:
 * - 2xx → success;
 * - 408 Request Timeout, 429 Too Many Requests, 5xx → retry (the receiver is busy or broken for now);
 * - 410 Gone → disable;
 * - 3xx → fail: redirects are never followed (a redirect could lead to a private address), so a 3xx means the
 *   hook's URL is wrong, a configuration problem that retrying cannot fix;
 * - other 4xx → fail;
 * - anything else (1xx as a final status, codes outside 100–599, non-integers) → fail: no class to retry on.
 */
export function classifyStatus(status: number): AttemptOutcome {
  if (!Number.isInteger(status)) return 'fail';
  if (status >= 200 && status <= 299) return 'success';
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'retry';
  if (status === 410) return 'disable';
  return 'fail';
}

/**
 * Classifies an attempt: a response by its status (classifyStatus); a timeout or network error → retry; an
 * address refused by the SSRF guard → fail (the URL now points somewhere forbidden: a configuration problem,
 * or DNS rebinding, neither of which a quick retry should chase; the failure still counts toward disabling).
 */
export function classifyAttempt(result: AttemptResult): AttemptOutcome {
  switch (result.kind) {
    case 'response':
      return classifyStatus(result.status);
    case 'timeout':
    case 'network':
      return 'retry';
    case 'forbidden-address':
      return 'fail';
  }
}

/** Whether the attempt counts toward WEBHOOK_MAX_FAILURES (every outcome but success; 410 disables anyway). */
export function isFailedAttempt(outcome: AttemptOutcome): boolean {
  return outcome !== 'success';
}
