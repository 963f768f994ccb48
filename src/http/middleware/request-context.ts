import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { Principal } from '../../auth/api-key.js';
import type { Logger } from '../../logging/logger.js';
import type { RelayMetrics } from '../../metrics/metrics.js';
import type { RelayState } from '../state.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A request's `ctx.state`. Its child logger is made when first used: most requests log nothing below the
 * access line. (A class rather than a getter defined on each request's object, which gave every request's
 * state a shape of its own and slowed each later use of it.)
 */
class RequestState implements RelayState {
  principal?: Principal;
  challenge?: boolean;
  body?: unknown;
  readonly #parent: Logger;
  #child: Logger | undefined;

  constructor(
    readonly requestId: string,
    parent: Logger,
  ) {
    this.#parent = parent;
  }

  get logger(): Logger {
    this.#child ??= this.#parent.child({ requestId: this.requestId });
    return this.#child;
  }
}

/** A request id (kept from `X-Request-Id` when sane), a child logger, the access log line and metrics. */
export function requestContext(logger: Logger, metrics: RelayMetrics): Koa.Middleware<RelayState> {
  return async function withRequestContext(ctx, next) {
    const given = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state = new RequestState(requestId, logger);
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute ? String(ctx._matchedRoute) : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      metrics.httpDuration.observe({ method: ctx.method, route }, seconds);
      if (logger.isLevelEnabled('http'))
        ctx.state.logger.log('http', 'request', {
          method: ctx.method,
          route,
          status: ctx.status,
          ms: Math.round(seconds * 1000),
          clientId: ctx.state.principal?.clientId,
        });
    }
  };
}
