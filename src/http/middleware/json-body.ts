import type Koa from 'koa';
import { RelayError } from '../../errors/catalogue.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../events/json-depth.js';
import type { RelayState } from '../state.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The whole body, or a 413 once it passes `limit`. Past the limit the rest is read and dropped rather than the
 * socket destroyed: a client still sending would otherwise get a connection reset instead of the 413.
 */
function readLimited(req: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      settle(() => reject(new RelayError('RELAY_ERR_PAYLOAD_TOO_LARGE', `The body is over ${limit} bytes`)));
    };
    req.on('data', onData);
    req.once('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.once('error', (err) => settle(() => reject(err)));
    req.once('close', () =>
      settle(() => reject(new RelayError('RELAY_ERR_INVALID_JSON', 'The request ended before its body'))),
    );
  });
}

/**
 * Reads a JSON body into `ctx.state.body`: at most 1 MiB (413, checked against Content-Length first), JSON
 * only (415 for another declared type), valid JSON (400).
 */
export function jsonBody(limit = BODY_LIMIT_BYTES): Koa.Middleware<RelayState> {
  return async function readJsonBody(ctx, next) {
    const declared = Number(ctx.get('content-length') || '0');
    if (declared > limit) {
      ctx.req.resume();
      throw new RelayError('RELAY_ERR_PAYLOAD_TOO_LARGE', `The body is over ${limit} bytes`);
    }
    const type = ctx.get('content-type');
    if (type && type !== 'application/json' && !ctx.is('application/json', 'application/*+json')) {
      throw new RelayError('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    const raw = await readLimited(ctx.req, limit);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new RelayError('RELAY_ERR_INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}`);
    }
    if (jsonDepth(body) > MAX_JSON_DEPTH) {
      throw new RelayError(
        'RELAY_ERR_VALIDATION',
        `The body is nested deeper than ${MAX_JSON_DEPTH} levels`,
        [{ path: '', message: `must not be nested deeper than ${MAX_JSON_DEPTH} levels` }],
      );
    }
    ctx.state.body = body;
    await next();
  };
}
