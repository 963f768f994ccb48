import Router from '@koa/router';
import { OPENAPI_DOCUMENT } from '../openapi.js';
import type { RelayState } from '../state.js';

/** `GET /openapi.json`: the OpenAPI 3.1 document of every route, without credentials. */
export function openapiRoutes(): Router<RelayState> {
  const router = new Router<RelayState>();
  const body = JSON.stringify(OPENAPI_DOCUMENT);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
