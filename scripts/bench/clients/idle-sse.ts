/**
 * Client process: holds many idle SSE connections to the relay (raw node:http, one socket each), and tells the
 * bench which probe events each received. Started by the bench (lib/client-process.ts), never by hand.
 */
import { type ClientRequest, request } from 'node:http';
import { SseParser } from '../lib/sse-parser.js';
import type {
  CloseResult,
  DeliveryArgs,
  DeliveryResult,
  OpenArgs,
  OpenResult,
  Receipt,
} from './idle-sse-api.js';
import { serve } from './rpc.js';
import { LOOPBACK, type SseTarget } from './sse-target.js';

interface Connection {
  readonly req: ClientRequest;
  open: boolean;
  lastId: number;
  disordered: number;
  /** Event ids received since the last reset, in order of arrival. */
  ids: number[];
}

const connections: Connection[] = [];
let dropped = 0;
const receipts = new Map<number, { count: number; first: number; last: number }>();

const now = () => performance.timeOrigin + performance.now();

function onEvent(conn: Connection, id: number): void {
  if (id <= conn.lastId) conn.disordered += 1;
  else conn.lastId = id;
  conn.ids.push(id);
  const at = now();
  const r = receipts.get(id);
  if (r) {
    r.count += 1;
    if (at < r.first) r.first = at;
    if (at > r.last) r.last = at;
  } else receipts.set(id, { count: 1, first: at, last: at });
}

function connect(target: SseTarget, timeoutMs: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: LOOPBACK,
      port: target.port,
      path: target.path,
      headers: { Accept: 'text/event-stream', ...target.headers },
      agent: false,
    });
    const conn: Connection = { req, open: false, lastId: -1, disordered: 0, ids: [] };
    const timer = setTimeout(
      () => req.destroy(new Error(`no response headers within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.once('error', (err) => {
      clearTimeout(timer);
      if (conn.open) {
        conn.open = false;
        dropped += 1;
      }
      reject(err);
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      conn.open = true;
      res.setEncoding('utf8');
      const parser = new SseParser((frame) => {
        if (frame.id !== undefined && frame.event === undefined) onEvent(conn, Number(frame.id));
      });
      res.on('data', (chunk: string) => parser.push(chunk));
      res.once('close', () => {
        if (conn.open) {
          conn.open = false;
          dropped += 1;
        }
      });
      resolve(conn);
    });
    req.end();
  });
}

async function open(args: OpenArgs): Promise<OpenResult> {
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  const errors = new Set<string>();
  const worker = async () => {
    while (next < args.count) {
      next += 1;
      try {
        connections.push(await connect(args.target, args.timeoutMs));
        opened += 1;
      } catch (err) {
        failed += 1;
        if (errors.size < 5) errors.add((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.count) }, worker));
  return {
    opened,
    failed,
    open: connections.filter((c) => c.open).length,
    errors: [...errors],
    ms: performance.now() - started,
  };
}

async function delivery(args: DeliveryArgs): Promise<DeliveryResult> {
  const started = performance.now();
  const wanted = new Set(args.ids);
  const done = () => connections.every((c) => !c.open || c.ids.length >= wanted.size);
  while (!done() && performance.now() - started < args.timeoutMs) await new Promise((r) => setTimeout(r, 20));
  const live = connections.filter((c) => c.open);
  let delivered = 0;
  let unexpected = 0;
  let complete = 0;
  for (const c of connections) {
    const got = new Set(c.ids.filter((id) => wanted.has(id)));
    delivered += got.size;
    unexpected += c.ids.length - c.ids.filter((id) => wanted.has(id)).length;
    if (c.open && got.size === wanted.size) complete += 1;
  }
  return {
    connections: live.length,
    dropped,
    complete,
    expected: live.length * wanted.size,
    delivered,
    disordered: connections.reduce((n, c) => n + c.disordered, 0),
    unexpected,
    receipts: [...receipts].map(([id, r]): Receipt => ({ id, ...r })),
    waitedMs: performance.now() - started,
  };
}

serve({
  open,
  /** Forgets what was received so far: call before publishing the probe events. */
  reset: async () => {
    receipts.clear();
    for (const c of connections) {
      c.ids = [];
      c.disordered = 0;
    }
    return true;
  },
  delivery,
  close: async (): Promise<CloseResult> => {
    let closed = 0;
    for (const c of connections) {
      if (c.open) closed += 1;
      c.open = false;
      c.req.destroy();
    }
    connections.length = 0;
    return { closed };
  },
});
