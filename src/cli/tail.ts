import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { backoffDelay, isRetryableStatus } from './backoff.js';
import { authHeaders } from './connection-options.js';
import { eventLine, resetNotice } from './event-line.js';
import { SseParser } from './sse-parser.js';
import { streamUrl, type TailOptions } from './tail-options.js';

export interface TailIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborting it ends the tail with exit code 0 (SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
}

/** No byte (not even a keep-alive comment, every 15 s by default) for this long: the connection is dead. */
const IDLE_TIMEOUT_MS = 60_000;

type Outcome =
  | { readonly kind: 'dropped'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'fatal'; readonly status: number; readonly body: string }
  | { readonly kind: 'stopped' };

/**
 * A live tail of the relay's event stream that resumes after every drop (end of stream, network error, 408,
 * 429, 5xx) with `Last-Event-Id` of the last event printed, so it prints every matching event once, in order.
 * Returns the process exit code: 0 when stopped (signal, --max-events, --exit-after-ms), 1 on a 4xx.
 */
export async function runTail(o: TailOptions, io: TailIo): Promise<number> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) stop.abort();
  const timer = o.exitAfterMs !== undefined ? setTimeout(() => stop.abort(), o.exitAfterMs) : undefined;
  const url = streamUrl(o);
  let lastId = o.lastEventId;
  let printed = 0;
  let attempt = 0;
  let initialDelay = 500;

  const onEvent = (type: string, data: string, id: string) => {
    if (type === 'reset') {
      io.err(`tail: ${resetNotice(data)}`);
      return;
    }
    if (type !== 'message') return;
    // The relay never repeats an id on a resumed stream; this guards the "exactly once" promise anyway.
    if (id !== '' && lastId !== undefined && /^[0-9]+$/.test(id) && Number(id) <= Number(lastId)) return;
    if (id !== '') lastId = id;
    io.out(o.json ? data : eventLine(data));
    printed += 1;
    if (o.maxEvents !== undefined && printed >= o.maxEvents) stop.abort();
  };

  try {
    while (!stop.signal.aborted) {
      const outcome = await connectOnce(url, o, lastId, stop.signal, {
        onOpen: () => {
          attempt = 0;
        },
        onEvent,
        onRetry: (ms) => {
          initialDelay = Math.min(Math.max(ms, 100), 10_000);
        },
      });
      if (outcome.kind === 'stopped' || stop.signal.aborted) return 0;
      if (outcome.kind === 'fatal') {
        io.err(`tail: HTTP ${outcome.status}: ${outcome.body}`);
        return 1;
      }
      const delay = Math.max(backoffDelay(attempt, initialDelay), outcome.retryAfterMs ?? 0);
      attempt += 1;
      io.err(
        `tail: connection lost (${outcome.reason}); reconnecting in ${delay} ms` +
          (lastId !== undefined ? ` from Last-Event-Id ${lastId}` : ''),
      );
      await sleep(delay, stop.signal);
    }
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    io.signal.removeEventListener('abort', onAbort);
  }
}

interface StreamHandlers {
  onOpen(): void;
  onEvent(type: string, data: string, id: string): void;
  onRetry(ms: number): void;
}

function connectOnce(
  url: string,
  o: TailOptions,
  lastId: string | undefined,
  signal: AbortSignal,
  h: StreamHandlers,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      'Cache-Control': 'no-cache',
      ...authHeaders(o.connection),
      ...(lastId !== undefined ? { 'Last-Event-Id': lastId } : {}),
    };
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { headers });
    const onAbort = () => {
      settle({ kind: 'stopped' });
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS} ms`)));
    req.once('error', (err) => settle({ kind: 'dropped', reason: err.message }));
    req.once('response', (res: IncomingMessage) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        const status = res.statusCode ?? 0;
        let body = '';
        res.on('data', (chunk: string) => {
          if (body.length < 8192) body += chunk;
        });
        res.once('error', (err) => settle({ kind: 'dropped', reason: err.message }));
        res.once('end', () => {
          if (isRetryableStatus(status)) {
            settle({ kind: 'dropped', reason: `HTTP ${status}`, retryAfterMs: retryAfterMs(res) });
          } else {
            settle({ kind: 'fatal', status, body: body.trim() });
          }
        });
        return;
      }
      h.onOpen();
      const parser = new SseParser();
      res.on('data', (chunk: string) => {
        for (const m of parser.push(chunk)) {
          if (signal.aborted) break;
          if (m.kind === 'retry') h.onRetry(m.ms);
          else h.onEvent(m.type, m.data, m.lastEventId);
        }
      });
      res.once('error', (err) => settle({ kind: 'dropped', reason: err.message }));
      res.once('end', () => settle({ kind: 'dropped', reason: 'the server ended the stream' }));
      res.once('close', () => settle({ kind: 'dropped', reason: 'connection closed' }));
    });
    req.end();
  });
}

function retryAfterMs(res: IncomingMessage): number | undefined {
  const v = res.headers['retry-after'];
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return undefined;
  return Math.min(Number(v) * 1000, 60_000);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
