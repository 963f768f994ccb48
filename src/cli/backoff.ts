/** Reconnection delay: `initial` doubling per failed attempt up to `max` (attempt counts from 0). Pure. */
export function backoffDelay(attempt: number, initial = 500, max = 10_000): number {
  return Math.min(max, initial * 2 ** Math.min(attempt, 30));
}

/** Statuses worth retrying: 408, 429 and 5xx; other 4xx are the caller's mistake. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
