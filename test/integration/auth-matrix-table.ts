import type { ErrorCode } from '../../src/errors/catalogue.js';

/**
 * The authorization matrix (CONTRACT.md, Authentication and authorization; README, Security): every route the
 * relay serves × every kind of caller → the status it gets. auth-matrix.test.ts sends each cell and checks that
 * this table names every (method, path) the router serves, so a new route without a row fails the test.
 *
 * Callers (columns, in this order):
 * - `none`: no credentials;
 * - `wrong`: the admin's clientId with a wrong secret;
 * - `unknown`: a clientId no key has;
 * - `inUrl`: the admin's real clientId and secret as query parameters (a long-lived secret in a URL);
 * - `reader`: a non-admin key whose pattern is `*`;
 * - `limited`: a non-admin key limited to `mx:*`;
 * - `admin`: the admin key in Izanami's headers; `basic`: the same as HTTP Basic;
 * - `token`: a browser token of the ADMIN key as `?token=`, without headers (SSE routes only).
 */
export const CALLERS = [
  'none',
  'wrong',
  'unknown',
  'inUrl',
  'reader',
  'limited',
  'admin',
  'basic',
  'token',
] as const;
export type Caller = (typeof CALLERS)[number];

/** What a row's request may need that only exists once made (by the admin, before the cell is sent). */
export interface Fixtures {
  /** An Izanami webhook, new for each call. */
  webhook(): Promise<string>;
  /** A Tweek hook, new for each call. */
  tweekHook(): Promise<string>;
  /** An API key, new for each call. */
  apiKey(): Promise<string>;
}

export interface CellRequest {
  /** Path and query. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface MatrixRow {
  /** `METHOD /path` as the router declares it, `:param` written `{param}`. */
  readonly route: string;
  /** Statuses by caller; the error code follows from the status and the caller (see expectedCode). */
  readonly expect: Readonly<Record<Caller, number>>;
  /** An allowed caller's error, when the request cannot succeed by design (no such delivery). */
  readonly allowedCode?: ErrorCode;
  /** The concrete request of one cell (made again for each caller: a DELETE needs a fresh target). */
  request(fixtures: Fixtures): Promise<CellRequest> | CellRequest;
}

// operations and the console's static files need no credentials, whatever is sent; listening takes any key or a token; publishing and tokens
// take any key (inside its pattern), never a token; everything else, the dashboard included, is admin only.
const STATUSES = `
route                                                   none wrong unknown inUrl reader limited admin basic token
GET    /health                                           200  200   200     200   200    200     200   200   200
GET    /ready                                            200  200   200     200   200    200     200   200   200
GET    /metrics                                          200  200   200     200   200    200     200   200   200
GET    /openapi.json                                     200  200   200     200   200    200     200   200   200
GET    /api/events                                       401  401   401     401   200    200     200   200   200
GET    /api/events/{domain}                              401  401   401     401   200    200     200   200   200
POST   /api/events                                       401  401   401     401   201    201     201   201   401
POST   /api/tokens                                       401  401   401     401   201    201     201   201   401
GET    /api/apikeys                                      401  401   401     401   403    403     200   200   401
POST   /api/apikeys                                      401  401   401     401   403    403     201   201   401
GET    /api/apikeys/{clientId}                           401  401   401     401   403    403     200   200   401
PUT    /api/apikeys/{clientId}                           401  401   401     401   403    403     200   200   401
DELETE /api/apikeys/{clientId}                           401  401   401     401   403    403     204   204   401
GET    /api/webhooks                                     401  401   401     401   403    403     200   200   401
POST   /api/webhooks                                     401  401   401     401   403    403     201   201   401
GET    /api/webhooks/{id}                                401  401   401     401   403    403     200   200   401
PUT    /api/webhooks/{id}                                401  401   401     401   403    403     200   200   401
PATCH  /api/webhooks/{id}                                401  401   401     401   403    403     200   200   401
DELETE /api/webhooks/{id}                                401  401   401     401   403    403     204   204   401
GET    /api/webhooks/{id}/deliveries                     401  401   401     401   403    403     200   200   401
POST   /api/webhooks/{id}/deliveries/{deliveryId}/retry  401  401   401     401   403    403     404   404   401
POST   /api/webhooks/{id}/test                           401  401   401     401   403    403     202   202   401
GET    /api/v2/hooks                                     401  401   401     401   403    403     200   200   401
POST   /api/v2/hooks                                     401  401   401     401   403    403     201   201   401
PUT    /api/v2/hooks/{id}                                401  401   401     401   403    403     204   204   401
DELETE /api/v2/hooks/{id}                                401  401   401     401   403    403     204   204   401
GET    /admin/queues                                     401  401   401     401   403    403     200   200   401
GET    /admin/queues/api/queues                          401  401   401     401   403    403     200   200   401
GET    /                                                 200  200   200     200   200    200     200   200   200
GET    /console/console.js                               200  200   200     200   200    200     200   200   200
`;

const HOOK_URL = 'http://93.184.216.34/matrix'; // public: accepted without WEBHOOK_ALLOW_PRIVATE; never called
const configEvent = { type: 'CONFIG_UPDATED', key: 'mx:matrix', payload: { id: 'mx:matrix', value: '1' } };
const tweekHook = (keyPath: string) => ({ keyPath, type: 'notification_webhook', url: HOOK_URL });

const REQUESTS: Readonly<Record<string, MatrixRow['request']>> = {
  'GET /health': () => ({ path: '/health' }),
  'GET /ready': () => ({ path: '/ready' }),
  'GET /metrics': () => ({ path: '/metrics' }),
  'GET /openapi.json': () => ({ path: '/openapi.json' }),
  'GET /api/events': () => ({ path: '/api/events?patterns=mx:*' }),
  'GET /api/events/{domain}': () => ({ path: '/api/events/Config' }),
  'POST /api/events': () => ({ path: '/api/events', body: configEvent }),
  'POST /api/tokens': () => ({ path: '/api/tokens' }),
  'GET /api/apikeys': () => ({ path: '/api/apikeys' }),
  'POST /api/apikeys': () => ({
    path: '/api/apikeys',
    body: { name: 'matrix key', authorizedPattern: 'mx:*' },
  }),
  'GET /api/apikeys/{clientId}': async (f) => ({ path: `/api/apikeys/${await f.apiKey()}` }),
  'PUT /api/apikeys/{clientId}': async (f) => ({
    path: `/api/apikeys/${await f.apiKey()}`,
    body: { name: 'renamed', authorizedPattern: 'mx:a:*' },
  }),
  'DELETE /api/apikeys/{clientId}': async (f) => ({ path: `/api/apikeys/${await f.apiKey()}` }),
  'GET /api/webhooks': () => ({ path: '/api/webhooks' }),
  'POST /api/webhooks': () => ({ path: '/api/webhooks', body: { callbackUrl: HOOK_URL } }),
  'GET /api/webhooks/{id}': async (f) => ({ path: `/api/webhooks/${await f.webhook()}` }),
  'PUT /api/webhooks/{id}': async (f) => ({
    path: `/api/webhooks/${await f.webhook()}`,
    body: { callbackUrl: `${HOOK_URL}/put` },
  }),
  'PATCH /api/webhooks/{id}': async (f) => ({
    path: `/api/webhooks/${await f.webhook()}`,
    body: [{ op: 'replace', path: '/callbackUrl', value: `${HOOK_URL}/patch` }],
  }),
  'DELETE /api/webhooks/{id}': async (f) => ({ path: `/api/webhooks/${await f.webhook()}` }),
  'GET /api/webhooks/{id}/deliveries': async (f) => ({
    path: `/api/webhooks/${await f.webhook()}/deliveries`,
  }),
  // an allowed caller gets as far as looking the delivery up: it does not exist (404, not 401 or 403)
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/retry': async (f) => ({
    path: `/api/webhooks/${await f.webhook()}/deliveries/no-such-delivery/retry`,
  }),
  'POST /api/webhooks/{id}/test': async (f) => ({ path: `/api/webhooks/${await f.webhook()}/test` }),
  'GET /api/v2/hooks': () => ({ path: '/api/v2/hooks' }),
  'POST /api/v2/hooks': () => ({ path: '/api/v2/hooks', body: tweekHook('mx/*') }),
  'PUT /api/v2/hooks/{id}': async (f) => ({
    path: `/api/v2/hooks/${await f.tweekHook()}`,
    body: tweekHook('mx/put/*'),
  }),
  'DELETE /api/v2/hooks/{id}': async (f) => ({ path: `/api/v2/hooks/${await f.tweekHook()}` }),
  'GET /admin/queues': () => ({ path: '/admin/queues' }),
  'GET /admin/queues/api/queues': () => ({ path: '/admin/queues/api/queues' }),
  // the live console: public static files (its data comes through the authenticated APIs)
  'GET /': () => ({ path: '/' }),
  'GET /console/console.js': () => ({ path: '/console/console.js' }),
};

const ALLOWED_CODES: Readonly<Record<string, ErrorCode>> = {
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/retry': 'RELAY_ERR_NOT_FOUND',
};

function parseTable(text: string): MatrixRow[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = (header ?? '').trim().split(/\s+/).slice(1);
  if (columns.join(' ') !== CALLERS.join(' ')) throw new Error(`matrix columns: ${columns.join(' ')}`);
  return lines.map((line) => {
    const [method, path, ...cells] = line.trim().split(/\s+/);
    const route = `${method} ${path}`;
    const statuses = cells.map(Number);
    const request = REQUESTS[route];
    if (statuses.length !== CALLERS.length || statuses.some((s) => !Number.isInteger(s)) || !request) {
      throw new Error(`matrix row ${route}: ${CALLERS.length} statuses and a request needed`);
    }
    const expect = Object.fromEntries(CALLERS.map((c, i) => [c, statuses[i]])) as Record<Caller, number>;
    const allowedCode = ALLOWED_CODES[route];
    return { route, expect, request, ...(allowedCode ? { allowedCode } : {}) };
  });
}

export const MATRIX: readonly MatrixRow[] = parseTable(STATUSES);
for (const route of Object.keys(REQUESTS)) {
  if (!MATRIX.some((row) => row.route === route)) throw new Error(`a request without a matrix row: ${route}`);
}

/**
 * Rows for what is served outside the router beyond the entry pages (bull-board's own routes, the console's
 * assets): the test cannot list those from the router.
 */
export const OUTSIDE_ROUTER_EXTRAS: ReadonlySet<string> = new Set([
  'GET /admin/queues/api/queues',
  'GET /console/console.js',
]);

/** The stable error code a refused cell must carry. */
export function expectedCode(row: MatrixRow, caller: Caller, status: number): ErrorCode | undefined {
  if (status === 401) return caller === 'inUrl' ? 'RELAY_ERR_SECRET_IN_URL' : 'RELAY_ERR_UNAUTHENTICATED';
  if (status === 403) return 'RELAY_ERR_FORBIDDEN';
  if (status >= 400) return row.allowedCode;
  return undefined;
}
