import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type Koa from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { authenticate, requireAdmin } from './middleware/authenticate.js';
import type { RelayState } from './state.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for admin keys only (HTTP Basic lets a browser log in:
 * a 401 asks for it).
 */
export function dashboard(queue: Queue, authenticator: Authenticator): Koa.Middleware<RelayState> {
  const adapter = new KoaAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter });
  const board = adapter.registerPlugin() as unknown as Koa.Middleware<RelayState>;
  const withKey = authenticate(authenticator);
  return async function adminDashboard(ctx, next) {
    if (ctx.path !== DASHBOARD_PATH && !ctx.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
    await withKey(ctx, () => requireAdmin(ctx, () => board(ctx, next)));
  };
}
