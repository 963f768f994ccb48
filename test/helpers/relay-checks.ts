import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { relayKeys } from '../../src/redis/keys.js';
import type { TestRedis } from './redis-server.js';
import { openSse, type SseConnection } from './sse-client.js';
import { type Credentials, keyHeaders, type TestRelay } from './test-relay.js';

/** An event as the relay returns it (POST response, SSE data). */
export interface RelayEvent {
  readonly _id: number;
  readonly type: string;
  readonly key: string;
  readonly domain: string;
  readonly payload: unknown;
  readonly oldValue?: unknown;
  readonly authInfo: { clientId: string; name: string } | null;
  readonly author?: { name: string; email: string };
  readonly timestamp: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** The length of the relay's one stream (XLEN), read straight from Redis. */
export function streamLength(redis: TestRedis, relay: TestRelay): Promise<number> {
  return redis.client.xlen(relayKeys(relay.config.redisKeyPrefix).events);
}

/** Every raw entry of the relay's stream (XRANGE - +). */
export async function streamEntries(redis: TestRedis, relay: TestRelay): Promise<[string, string[]][]> {
  return (await redis.client.xrange(relayKeys(relay.config.redisKeyPrefix).events, '-', '+')) as [
    string,
    string[],
  ][];
}

/** Publishes (as the admin or `as`) and expects 201; returns the stored events. */
export async function publish(relay: TestRelay, body: unknown, as?: Credentials): Promise<RelayEvent[]> {
  const res = await relay.request('/api/events', {
    method: 'POST',
    json: body,
    ...(as !== undefined ? { as } : {}),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `publish answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { events: RelayEvent[] }).events;
}

/** A single CONFIG_UPDATED event body for key `key`. */
export function configEvent(key: string, value: unknown = 1): Record<string, unknown> {
  return { type: 'CONFIG_UPDATED', key, payload: { id: key, value: JSON.stringify(value) } };
}

/** Asserts an error response: its status, `{"error":{"code","message"}}` JSON, and returns the body. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  assertErrorShape(body, code);
  return body;
}

export function assertErrorShape(body: unknown, code: string): asserts body is ErrorBody {
  assert.ok(body && typeof body === 'object', 'error body is an object');
  const { error } = body as ErrorBody;
  assert.ok(error && typeof error === 'object', 'error body has an `error` object');
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0, 'error message is not empty');
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  assert.deepEqual(extra, [], 'error object has only code, message and details');
}

/** Opens an SSE request that must be refused: returns its status and parsed JSON error body. */
export async function refusedSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ErrorBody }> {
  const sse = await openSse(url, headers);
  await sse.ended;
  const text = sse.body();
  sse.close();
  assert.notEqual(sse.status, 200, `expected a refusal, got 200: ${text.slice(0, 200)}`);
  return { status: sse.status, body: JSON.parse(text) as ErrorBody };
}

/** Opens a listener with the admin key (or `as`) on `path` (e.g. `/api/events?patterns=a:*`). */
export async function listen(
  relay: TestRelay,
  path: string,
  options: { as?: Credentials; headers?: Record<string, string> } = {},
): Promise<SseConnection> {
  const sse = await openSse(`${relay.baseUrl}${path}`, {
    ...keyHeaders(options.as ?? relay.admin),
    ...options.headers,
  });
  assert.equal(sse.status, 200, `SSE ${path} answered ${sse.status}: ${sse.body().slice(0, 300)}`);
  return sse;
}

/** Resolves once `check` holds, polling; fails with `what` after `timeoutMs` (a deadline, not a timing assertion). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The value of one Prometheus sample (`name{labels}`), or undefined if the relay does not expose it. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      have[pair[1] as string] = pair[2] as string;
    }
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** GET /metrics (no credentials) and one sample of it; 0 when the sample is not there yet. */
export async function readMetric(relay: TestRelay, name: string, labels: Record<string, string> = {}) {
  const res = await fetch(`${relay.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  return metricValue(await res.text(), name, labels) ?? 0;
}

/**
 * A raw HTTP request over node:http, for what fetch cannot send (chunked bodies of a chosen size, odd
 * headers). `chunks` are written one by one without Content-Length (chunked) unless `headers` sets one.
 * Resolves with the response, or rejects if the connection fails before one arrives.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; chunks?: Buffer[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: options.method ?? 'POST',
      headers: options.headers ?? {},
      agent: false,
    });
    let answered = false;
    req.on('error', (err) => {
      // Once the response is in, the server may close the connection before it took the whole body.
      if (!answered) reject(err);
    });
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        req.destroy(); // the body may be unfinished: this connection is not reused
      });
      res.on('error', reject);
    });
    const write = async () => {
      for (const chunk of options.chunks ?? []) {
        if (answered || req.destroyed) return;
        if (!req.write(chunk)) {
          await new Promise<void>((r) => {
            const done = () => {
              req.off('drain', done);
              req.off('close', done);
              r();
            };
            req.on('drain', done);
            req.on('close', done);
          });
        }
      }
      if (!req.destroyed) req.end();
    };
    void write();
  });
}
