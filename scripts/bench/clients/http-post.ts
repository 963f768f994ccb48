import { type Agent, request } from 'node:http';
import { LOOPBACK } from './sse-target.js';

const REQUEST_TIMEOUT_MS = 30_000;

/** A POST's answer: its status and whole body. */
export interface PostAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * POSTs a JSON body to a server on loopback with raw node:http through `agent` (keep-alive), and reads the
 * whole answer; rejects on a network error or no answer within 30 s. The load clients' one request path.
 */
export function postJson(
  agent: Agent,
  target: { readonly port: number; readonly path: string; readonly headers: Record<string, string> },
  body: string,
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: LOOPBACK,
        port: target.port,
        path: target.path,
        method: 'POST',
        agent,
        headers: {
          ...target.headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
