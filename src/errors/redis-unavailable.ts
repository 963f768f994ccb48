/**
 * Whether an error means "Redis is not answering right now" (down, restarting, loading its AOF, or a command
 * that timed out), which the API answers with a 503 the client can retry, rather than a 500.
 */
const UNAVAILABLE =
  /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|^LOADING|MaxRetriesPerRequest|Reached the max retries/;

export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(err.message);
}
