import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Joi from 'joi';
import { RelayError } from '../../errors/catalogue.js';
import type { AppDeps } from '../app-deps.js';
import { adminOnly } from '../middleware/authenticate.js';
import type { RelayState } from '../state.js';
import { validate } from '../validate.js';

const pageQuery = Joi.object({
  page: Joi.number().integer().min(1).max(100_000).default(1),
  pageSize: Joi.number().integer().min(1).max(500).default(50),
}).unknown(true);

/**
 * A hook's deliveries (either API's hooks; admin keys only): `GET /api/webhooks/{id}/deliveries` lists every
 * attempt, newest first; `POST …/deliveries/{deliveryId}/retry` sends a failed delivery again;
 * `POST /api/webhooks/{id}/test` sends a ping.
 */
export function deliveryRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>({ prefix: '/api/webhooks/:id' });
  const admin = adminOnly(deps.authenticator);
  const { hooks, deliveries } = deps;
  const existing = async (id: string) => {
    const hook = await hooks.get(id);
    if (!hook) throw new RelayError('RELAY_ERR_NOT_FOUND', `No webhook ${id}`);
    return hook;
  };

  router.get('/deliveries', ...admin, async (ctx) => {
    const hook = await existing(ctx.params.id as string);
    const q = validate(pageQuery, ctx.query, 'query') as { page: number; pageSize: number };
    const { total, attempts } = await deliveries.attempts.list(
      hook.id,
      (q.page - 1) * q.pageSize,
      q.pageSize,
    );
    ctx.body = {
      results: attempts,
      metadata: { page: q.page, pageSize: q.pageSize, count: total, nbPages: Math.ceil(total / q.pageSize) },
    };
  });

  router.post('/deliveries/:deliveryId/retry', ...admin, async (ctx) => {
    const hook = await existing(ctx.params.id as string);
    const job = await deliveries.queue.getJob(ctx.params.deliveryId as string);
    if (!job || job.data.hookId !== hook.id) {
      throw new RelayError('RELAY_ERR_NOT_FOUND', `No delivery ${ctx.params.deliveryId} for this webhook`);
    }
    const state = await job.getState();
    if (state !== 'failed') {
      throw new RelayError(
        'RELAY_ERR_CONFLICT',
        `Only a failed delivery can be sent again; this one is ${state}`,
      );
    }
    await job.retry('failed', { resetAttemptsMade: true });
    ctx.status = 202;
    ctx.body = { deliveryId: job.id, state: 'waiting' };
  });

  router.post('/test', ...admin, async (ctx) => {
    const hook = await existing(ctx.params.id as string);
    const deliveryId = `ping_${randomBytes(9).toString('base64url')}`;
    await deliveries.queue.add(
      'ping',
      { hookId: hook.id, commit: '', events: [], ping: true },
      { jobId: deliveryId, attempts: 1 },
    );
    ctx.status = 202;
    ctx.body = { deliveryId };
  });
  return router;
}
