import type Koa from 'koa';
import { type ErrorCode, isRelayError, RelayError } from '../../errors/catalogue.js';
import { isRedisUnavailable } from '../../errors/redis-unavailable.js';
import type { RelayMetrics } from '../../metrics/metrics.js';
import type { RelayState } from '../state.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: readonly { path: string; message: string }[] };
}

export function toRelayError(err: unknown): RelayError {
  if (isRelayError(err)) return err;
  if (isRedisUnavailable(err))
    return new RelayError('RELAY_ERR_REDIS_UNAVAILABLE', undefined, undefined, { cause: err });
  return new RelayError('RELAY_ERR_INTERNAL', undefined, undefined, { cause: err });
}

/**
 * The one place errors become responses: `{"error": {"code", "message", "details"?}}`. A request nothing
 * answered (no route, no body, still Koa's 404) becomes RELAY_ERR_NOT_FOUND here too.
 */
export function errorHandler(metrics: RelayMetrics): Koa.Middleware<RelayState> {
  return async function handleErrors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
        throw new RelayError('RELAY_ERR_NOT_FOUND', 'No such route');
      }
    } catch (caught) {
      const err = toRelayError(caught);
      metrics.errors.inc({ code: err.code });
      if (err.code === 'RELAY_ERR_INTERNAL') {
        ctx.state.logger.error('request failed', { error: err.cause ?? err });
      } else if (err.code === 'RELAY_ERR_REDIS_UNAVAILABLE') {
        ctx.state.logger.warn('redis unavailable', { error: (err.cause as Error | undefined)?.message });
      }
      if (ctx.respond === false || ctx.headerSent) return;
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      if (err.details && err.details.length > 0) body.error.details = err.details;
      ctx.status = err.status;
      ctx.body = body;
      if (err.status === 401 && ctx.state.challenge !== false) {
        ctx.set('WWW-Authenticate', 'Basic realm="relay", charset="UTF-8"');
      }
      if (err.status === 503) ctx.set('Retry-After', '1');
    }
  };
}
