import Router from '@koa/router';
import { issueToken } from '../../auth/tokens.js';
import type { AppDeps } from '../app-deps.js';
import { authenticate } from '../middleware/authenticate.js';
import type { RelayState } from '../state.js';

/**
 * `POST /api/tokens`: a short-lived token for a browser EventSource (which cannot send headers), accepted as
 * `?token=` on the SSE routes only. Needs the key's secret: a token cannot mint another.
 */
export function tokenRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  router.post('/api/tokens', authenticate(deps.authenticator), (ctx) => {
    const { token, expiresAt } = issueToken(
      deps.tokenSecret,
      ctx.state.principal!.clientId,
      deps.now(),
      deps.config.tokenTtlMs,
    );
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { token, expiresAt: new Date(expiresAt).toISOString() };
  });
  return router;
}
