import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type Koa from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { type ErrorCode, isRelayError, RelayError } from '../errors/catalogue.js';
import { authenticate, requireAdmin } from './middleware/authenticate.js';
import type { RelayState } from './state.js';

export const DASHBOARD_PATH = '/admin/queues';

const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'RELAY_ERR_NOT_FOUND',
  405: 'RELAY_ERR_METHOD_NOT_ALLOWED',
  413: 'RELAY_ERR_PAYLOAD_TOO_LARGE',
  415: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
};

/**
 * What the dashboard lets through to the app's error handler. bull-board's own handler would answer every
 * error thrown below it with a 500 — the app's 405/404 for a method or path it does not serve included
 * (`PATCH /admin/queues` was a 500) — and its body parser's errors (invalid JSON, a body over its limit) escaped
 * as 500s too. So errors go on: a RelayError as is, a client error (`status` 4xx) as the RelayError of that
 * status (invalid JSON as RELAY_ERR_INVALID_JSON), anything else as an internal error.
 */
function dashboardError(err: unknown): unknown {
  if (isRelayError(err)) return err;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (err instanceof SyntaxError)
      return new RelayError('RELAY_ERR_INVALID_JSON', undefined, undefined, { cause: err });
    return new RelayError(CODE_OF_STATUS[status] ?? 'RELAY_ERR_VALIDATION', undefined, undefined, {
      cause: err,
    });
  }
  return err;
}

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for admin keys only (HTTP Basic lets a browser log in:
 * a 401 asks for it).
 */
export function dashboard(queue: Queue, authenticator: Authenticator): Koa.Middleware<RelayState> {
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter });
  adapter.setErrorHandler((err) => {
    throw dashboardError(err);
  });
  const board = adapter.registerPlugin() as unknown as Koa.Middleware<RelayState>;
  const withKey = authenticate(authenticator);
  const serve: Koa.Middleware<RelayState> = (ctx, next) =>
    withKey(ctx, () =>
      requireAdmin(ctx, async () => {
        try {
          await board(ctx, next);
        } catch (err) {
          throw dashboardError(err);
        }
      }),
    );
  return function adminDashboard(ctx, next) {
    if (ctx.path !== DASHBOARD_PATH && !ctx.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
    return serve(ctx, next);
  };
}
