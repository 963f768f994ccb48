import Koa from 'koa';
import type { AppDeps } from './app-deps.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health-routes.js';
import type { RelayState } from './state.js';

export type OpsDeps = Pick<AppDeps, 'redis' | 'metrics' | 'isShuttingDown' | 'logger'>;

/**
 * The HTTP face of a process without the API (a worker on its own): `/health`, `/ready` and `/metrics` only,
 * so that containers and Prometheus treat every role alike.
 */
export function createOpsApp(deps: OpsDeps): Koa<RelayState> {
  const app = new Koa<RelayState>();
  app.silent = true;
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(errorHandler(deps.metrics));
  app.use(healthRoutes(deps).routes());
  return app;
}
