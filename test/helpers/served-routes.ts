import Router from '@koa/router';
import { apiRouters } from '../../src/http/app.js';
import type { AppDeps } from '../../src/http/app-deps.js';
import { DASHBOARD_PATH } from '../../src/http/dashboard.js';
import { CONSOLE_PATH } from '../../src/http/live-console.js';
import type { RelayState } from '../../src/http/state.js';

/**
 * `METHOD /path` of every route the app's routers serve (`:id` written `{id}`, HEAD left out), plus the entry
 * pages of what the app serves beside them: the dashboard and the console (bull-board's own pages and assets
 * below it, and the console's script and style sheet, are not API routes).
 */
export function servedRoutes(): Set<string> {
  // Building the routers only captures the dependencies in closures: none is used until a request comes.
  const root = new Router<RelayState>();
  for (const router of apiRouters({} as AppDeps)) root.use(router.routes());
  const served = new Set<string>([`GET ${DASHBOARD_PATH}`, `GET ${CONSOLE_PATH}`]);
  for (const layer of root.stack) {
    for (const method of layer.methods) {
      if (method !== 'HEAD')
        served.add(`${method} ${String(layer.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return served;
}
