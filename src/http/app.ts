import Router from '@koa/router';
import Koa from 'koa';
import { RelayError } from '../errors/catalogue.js';
import type { AppDeps } from './app-deps.js';
import { dashboard } from './dashboard.js';
import { liveConsole } from './live-console.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { deliveryRoutes } from './routes/delivery-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { openapiRoutes } from './routes/openapi-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { tweekHookRoutes } from './routes/tweek-hook-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import type { RelayState } from './state.js';

/**
 * The app's routers (every route but the dashboard's and the console's); the OpenAPI test compares /openapi.json
 * with them.
 */
export function apiRouters(deps: AppDeps): Router<RelayState>[] {
  return [
    healthRoutes(deps),
    openapiRoutes(),
    eventRoutes(deps),
    tokenRoutes(deps),
    apiKeyRoutes(deps),
    deliveryRoutes(deps),
    webhookRoutes(deps),
    tweekHookRoutes(deps),
  ];
}

/**
 * Builds the HTTP app; reads no environment and listens nowhere (the entry point does). The middleware that
 * only pass a request on (most of them, for most requests) are plain functions returning `next()`: an async
 * one that awaits it costs each request a promise and a turn of the microtask queue more.
 */
export function createApp(deps: AppDeps): Koa<RelayState> {
  const app = new Koa<RelayState>({ proxy: false });
  app.silent = true;
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(errorHandler(deps.metrics));
  app.use(function refuseWhileStopping(ctx, next) {
    if (deps.isShuttingDown() && ctx.path !== '/health') throw new RelayError('RELAY_ERR_SHUTTING_DOWN');
    return next();
  });
  app.use(dashboard(deps.deliveries.queue, deps.authenticator));
  app.use(liveConsole());
  const root = new Router<RelayState>();
  for (const router of apiRouters(deps)) root.use(router.routes());
  app.use(root.routes());
  app.use(
    root.allowedMethods({
      throw: true,
      methodNotAllowed: () => new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED'),
      notImplemented: () => new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED'),
    }),
  );
  return app;
}
