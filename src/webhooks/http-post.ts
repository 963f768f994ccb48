import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DeliveryNetworkError } from './delivery-network-error.js';
import { agentFor, toLookupFunction } from './guarded-agent.js';
import type { HostLookup } from './hook-url.js';

export { DeliveryNetworkError, type DeliveryNetworkErrorKind } from './delivery-network-error.js';
export { destroyDeliveryAgents, guardLookup } from './guarded-agent.js';

/**
 * One webhook POST over node:http/https, checked against SSRF at connect time (DESIGN.md, Webhooks: check again at
 * delivery, DNS can change). The address judged is the address connected to: the check sits in the agent's
 * `createConnection` (IP literals) and in the `lookup` it hands to the socket (host names), so no second,
 * earlier lookup can disagree with the one the socket uses. Redirects are never followed: a 3xx is returned.
 */

export interface PostJsonOptions {
  /** Total budget for lookup, connect, request and the whole (capped) response. */
  readonly timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: no address is refused. */
  readonly allowPrivate: boolean;
  /** Response body bytes kept; past them the response is cut and its connection closed. */
  readonly maxResponseBytes: number;
  /** Replaces the system resolver (tests, DNS rebinding scenarios); its answers are checked like any other. */
  readonly lookup?: HostLookup;
  /** Monotonic milliseconds for durationMs; performance.now by default. */
  readonly now?: () => number;
}

export interface PostJsonResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** At most maxResponseBytes of the body, decoded as UTF-8. */
  readonly body: string;
  readonly truncated: boolean;
  readonly durationMs: number;
}

/**
 * POSTs `body` to `url` with `headers` (Content-Length is set here; connection and framing headers in `headers`,
 * such as Transfer-Encoding, Connection or Expect, are dropped). Resolves with any HTTP response, 3xx, 4xx
 * and 5xx included; rejects with a DeliveryNetworkError when there is none. Invalid header names or values are
 * thrown as Node reports them (a TypeError), since retrying cannot fix them.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: PostJsonOptions,
): Promise<PostJsonResponse> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  try {
    return await send(targetOf(url), body, headers, options, () => now() - started);
  } catch (err) {
    if (err instanceof DeliveryNetworkError) err.durationMs = now() - started;
    throw err;
  }
}

function targetOf(url: string): URL {
  const target = URL.canParse(url) ? new URL(url) : undefined;
  if (target === undefined || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
    throw new DeliveryNetworkError('forbidden-address', 'only absolute http and https URLs are delivered to');
  }
  return target;
}

/** Headers about the connection or the framing, which only this module sets: a hook's own are dropped. */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

function send(
  target: URL,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: PostJsonOptions,
  elapsed: () => number,
): Promise<PostJsonResponse> {
  return new Promise((resolve, reject) => {
    const transport = target.protocol === 'https:' ? https : http;
    const requestHeaders: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!CONNECTION_HEADERS.has(name.toLowerCase())) requestHeaders[name] = value;
    }
    requestHeaders['content-length'] = Buffer.byteLength(body);
    const req = transport.request(target, {
      method: 'POST',
      headers: requestHeaders,
      agent: agentFor(target.protocol, options.allowPrivate),
      ...(options.lookup === undefined ? {} : { lookup: toLookupFunction(options.lookup) }),
    });

    let settled = false;
    const timer = setTimeout(
      () => fail(new DeliveryNetworkError('timeout', `no complete response within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    function fail(err: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(classify(err));
    }
    function succeed(res: IncomingMessage, chunks: Buffer[], truncated: boolean): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status, headers: flatten(res.headers), body: text, truncated, durationMs: elapsed() });
    }

    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - size;
        if (chunk.length <= room) {
          chunks.push(chunk);
          size += chunk.length;
          return;
        }
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size = options.maxResponseBytes;
        succeed(res, chunks, true);
        res.destroy(); // the rest is not read: this connection is closed rather than drained
      });
      res.on('end', () => succeed(res, chunks, false));
      res.on('error', fail);
      res.on('close', () => fail(new Error('the connection closed before the response ended')));
    });
    req.end(body);
  });
}

function classify(err: unknown): DeliveryNetworkError {
  if (err instanceof DeliveryNetworkError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  // request-filtering-agent's own refusals; this policy refuses a superset first, so they are a safety net.
  if (/^DNS lookup .* is not allowed/.test(error.message)) {
    return new DeliveryNetworkError('forbidden-address', error.message, { cause: error });
  }
  return new DeliveryNetworkError('network', error.message, {
    ...(code === undefined ? {} : { code }),
    cause: error,
  });
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
