import Router from '@koa/router';
import { RelayError } from '../../errors/catalogue.js';
import type { AppDeps } from '../app-deps.js';
import type { RelayState } from '../state.js';

/** `/health` (the process runs), `/ready` (Redis answers), `/metrics` (Prometheus text); no credentials. */
export function healthRoutes(
  deps: Pick<AppDeps, 'redis' | 'metrics' | 'isShuttingDown'>,
): Router<RelayState> {
  const router = new Router<RelayState>();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    if (deps.isShuttingDown()) throw new RelayError('RELAY_ERR_SHUTTING_DOWN');
    if (deps.redis.status !== 'ready') throw new RelayError('RELAY_ERR_REDIS_UNAVAILABLE');
    await deps.redis.ping();
    ctx.body = { status: 'ready' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
