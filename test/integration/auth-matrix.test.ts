import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { assertErrorShape, streamLength } from '../helpers/relay-checks.js';
import { servedRoutes } from '../helpers/served-routes.js';
import { type Credentials, keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';
import {
  CALLERS,
  type Caller,
  type CellRequest,
  expectedCode,
  type Fixtures,
  MATRIX,
  OUTSIDE_ROUTER_EXTRAS,
} from './auth-matrix-table.js';

// Issue 5: every route × every kind of caller → the expected status and error code (auth-matrix-table.ts), sent
// to a relay configured as in production (no WEBHOOK_ALLOW_PRIVATE). A refused request appends nothing.

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly wwwAuthenticate: string | null;
}

describe('authorization matrix: every route × every caller', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let reader: Credentials;
  let limited: Credentials;
  let token: string;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    reader = await relay.createKey({ name: 'matrix reader', authorizedPattern: '*' });
    limited = await relay.createKey({ name: 'matrix limited', authorizedPattern: 'mx:*' });
    const res = await relay.request('/api/tokens', { method: 'POST' });
    assert.equal(res.status, 201);
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });

  /** Makes something with the admin key and returns its id. */
  const made = async (path: string, body: unknown, idField: string): Promise<string> => {
    const res = await relay.request(path, { method: 'POST', json: body });
    const text = await res.text();
    assert.equal(res.status, 201, `fixture ${path}: ${text}`);
    return (JSON.parse(text) as Record<string, string>)[idField] as string;
  };
  const fixtures: Fixtures = {
    webhook: () => made('/api/webhooks', { callbackUrl: 'http://93.184.216.34/fixture' }, 'clientId'),
    tweekHook: () =>
      made(
        '/api/v2/hooks',
        { keyPath: 'fx/*', type: 'notification_webhook', url: 'http://93.184.216.34/' },
        'id',
      ),
    apiKey: () => made('/api/apikeys', { name: 'matrix target', authorizedPattern: 'mx:*' }, 'clientId'),
  };

  const withQuery = (path: string, query: Record<string, string>) =>
    `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(query)}`;

  /** The path and headers a caller sends. */
  function as(caller: Caller, path: string): { path: string; headers: Record<string, string> } {
    const admin = relay.admin;
    switch (caller) {
      case 'none':
        return { path, headers: {} };
      case 'wrong':
        return {
          path,
          headers: keyHeaders({ clientId: admin.clientId, clientSecret: 'wrong-secret-for-matrix' }),
        };
      case 'unknown':
        return {
          path,
          headers: keyHeaders({ clientId: 'no-such-key', clientSecret: 'some-secret-for-matrix' }),
        };
      case 'inUrl':
        return {
          path: withQuery(path, { clientId: admin.clientId, clientSecret: admin.clientSecret }),
          headers: {},
        };
      case 'reader':
        return { path, headers: keyHeaders(reader) };
      case 'limited':
        return { path, headers: keyHeaders(limited) };
      case 'admin':
        return { path, headers: keyHeaders(admin) };
      case 'basic': {
        const basic = Buffer.from(`${admin.clientId}:${admin.clientSecret}`).toString('base64');
        return { path, headers: { Authorization: `Basic ${basic}` } };
      }
      case 'token':
        return { path: withQuery(path, { token }), headers: {} };
    }
  }

  /** Sends one cell; an SSE stream that opens is closed at once. */
  async function send(method: string, caller: Caller, request: CellRequest): Promise<Answer> {
    const { path, headers } = as(caller, request.path);
    const controller = new AbortController();
    const res = await relay.request(path, {
      method,
      as: null,
      headers: { ...headers, ...request.headers },
      ...(request.body !== undefined ? { json: request.body } : {}),
      signal: controller.signal,
    });
    const contentType = res.headers.get('content-type') ?? '';
    const wwwAuthenticate = res.headers.get('www-authenticate');
    if (contentType.startsWith('text/event-stream')) {
      controller.abort();
      return { status: res.status, contentType, text: '', wwwAuthenticate };
    }
    return { status: res.status, contentType, text: await res.text(), wwwAuthenticate };
  }

  /** One request over node:http, the path sent exactly as written (fetch would normalize `/./` and `..`). */
  function rawSend(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const url = new URL(relay.baseUrl);
      const json = body === undefined ? undefined : JSON.stringify(body);
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: json === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.end(json);
    });
  }

  /** The same path written differently: a router or a guard that compares paths naively could be bypassed. */
  function variants(path: string): string[] {
    const [pathname, query] = path.split('?') as [string, string | undefined];
    const q = query === undefined ? '' : `?${query}`;
    const segments = pathname.split('/');
    return [
      `${pathname.toUpperCase()}${q}`,
      `${pathname}/${q}`,
      `/${pathname}${q}`,
      `${segments.slice(0, 2).join('/')}//${segments.slice(2).join('/')}${q}`,
      `${segments.slice(0, 2).join('/')}/./${segments.slice(2).join('/')}${q}`,
      `${segments.slice(0, 2).join('/')}/x/../${segments.slice(2).join('/')}${q}`,
      `${pathname.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)}${q}`,
      `${segments.slice(0, 2).join('/')}%2F${segments.slice(2).join('/')}${q}`,
      `${pathname};x=1${q}`,
      `${pathname}%00${q}`,
    ];
  }

  // `GET /API/APIKEYS` answered the key list to anyone: the admin check sat in router.use() middleware, which
  // @koa/router matched case-sensitively while it matched the routes case-insensitively.
  it('is not bypassed by writing a path differently: refused callers never get a 2xx, 3xx or 5xx', async () => {
    const bypassed: string[] = [];
    for (const row of MATRIX) {
      const method = row.route.split(' ')[0] as string;
      const refused = CALLERS.filter((c) => row.expect[c] === 401 || row.expect[c] === 403);
      if (refused.length === 0) continue;
      for (const caller of refused) {
        const { path, body } = await row.request(fixtures);
        for (const variant of variants(path)) {
          const sent = as(caller, variant);
          const status = await rawSend(method, sent.path, sent.headers, body);
          if (status < 400 || status >= 500) bypassed.push(`${method} ${sent.path} as ${caller}: ${status}`);
        }
      }
    }
    assert.deepEqual(bypassed, []);
  });

  it('has a row for every (method, path) the relay serves, and none for a route it does not serve', () => {
    const served = servedRoutes();
    const rows = new Set(MATRIX.map((r) => r.route));
    assert.equal(rows.size, MATRIX.length, 'one row per route');
    assert.deepEqual(
      [...served].filter((r) => !rows.has(r)),
      [],
      'routes without a row in auth-matrix-table.ts',
    );
    assert.deepEqual(
      [...rows].filter((r) => !served.has(r) && !OUTSIDE_ROUTER_EXTRAS.has(r)),
      [],
      'rows for routes the relay does not serve',
    );
    for (const route of [
      'GET /health',
      'GET /ready',
      'GET /metrics',
      'GET /openapi.json',
      'GET /admin/queues',
    ]) {
      assert.ok(rows.has(route), `${route} is in the matrix`);
    }
  });

  for (const row of MATRIX) {
    it(row.route, async () => {
      const method = row.route.split(' ')[0] as string;
      const failures: string[] = [];
      for (const caller of CALLERS) {
        const request = await row.request(fixtures);
        const before = await streamLength(redis, relay);
        const answer = await send(method, caller, request);
        const expected = row.expect[caller];
        const cell = `${row.route} as ${caller}`;
        if (answer.status !== expected) {
          failures.push(`${cell}: ${answer.status} (expected ${expected}) ${answer.text.slice(0, 200)}`);
          continue;
        }
        const code = expectedCode(row, caller, expected);
        if (code !== undefined) {
          assert.match(answer.contentType, /^application\/json/, cell);
          assertErrorShape(JSON.parse(answer.text), code);
        }
        if (expected === 401)
          assert.match(answer.wwwAuthenticate ?? '', /^Basic /, `${cell}: WWW-Authenticate`);
        if (expected === 401 || expected === 403) {
          assert.equal(
            await streamLength(redis, relay),
            before,
            `${cell}: a refused request appended events`,
          );
        }
      }
      assert.deepEqual(failures, [], 'cells that differ from the matrix');
    });
  }
});
