/**
 * Client process: holds many SSE connections (raw TCP sockets, one each, the response read by a minimal
 * chunked + SSE scanner so that the load generator costs as little CPU as possible), records when each event
 * frame arrived on each connection, and checks each connection got exactly its events, once, in order.
 * Started by the bench (lib/client-process.ts), never by hand.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { LatencyRecorder } from '../lib/latency-histogram.js';
import { SseIdScanner } from '../lib/sse-id-scanner.js';
import type {
  CollectArgs,
  CollectResult,
  FanoutCloseResult,
  FanoutOpenArgs,
  FanoutOpenResult,
} from './fanout-sse-api.js';
import { serve } from './rpc.js';
import { LOOPBACK } from './sse-target.js';

interface Connection {
  readonly socket: Socket;
  readonly group: number;
  open: boolean;
  /** Open when the step started: its events are expected. */
  counted: boolean;
  ids: number[];
  times: number[];
  named: number;
}

/** What every socket of this process reads into; the scanner keeps no reference to it. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const connections: Connection[] = [];
let dropped = 0;
let cpuAtReset = process.cpuUsage();
/** Wall-clock ms of the socket read being scanned (one reading per read, shared by its frames). */
let readAt = 0;
const now = () => performance.timeOrigin + performance.now();

function connect(args: FanoutOpenArgs, n: number): Promise<Connection> {
  const path = args.paths[n % args.paths.length] as string;
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({
      host: LOOPBACK,
      port: args.port,
      // every socket reads into the one buffer, and the scanner is called straight from the read (no
      // Buffer and no stream 'data' event per read): the clients share the cores with what they measure
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buf: Uint8Array) => {
          readAt = now();
          scanner.push(buf as Buffer, bytes);
          return true; // keep reading
        },
      },
    });
    const conn: Connection = {
      socket,
      group: n % args.paths.length,
      open: false,
      counted: false,
      ids: [],
      times: [],
      named: 0,
    };
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`no response within ${args.timeoutMs} ms`)),
      args.timeoutMs,
    );
    const scanner = new SseIdScanner({
      onHead: (status) => {
        if (status !== 200) return fail(new Error(`HTTP ${status}`));
        settled = true;
        clearTimeout(timer);
        conn.open = true;
        resolve(conn);
      },
      onEvent: (id) => {
        conn.ids.push(id);
        conn.times.push(readAt);
      },
      onNamed: () => {
        conn.named += 1;
      },
    });
    const closed = () => {
      if (conn.open) {
        conn.open = false;
        dropped += 1;
      }
    };
    socket.once('error', (err) => {
      fail(err);
      closed();
    });
    socket.once('close', () => {
      fail(new Error('closed before the response'));
      closed();
    });
    const headers = Object.entries(args.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${LOOPBACK}:${args.port}\r\nAccept: text/event-stream\r\n${headers}\r\n`,
    );
  });
}

async function open(args: FanoutOpenArgs): Promise<FanoutOpenResult> {
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  const errors = new Set<string>();
  const worker = async () => {
    while (next < args.count) {
      const n = args.first + next;
      next += 1;
      try {
        connections.push(await connect(args, n));
        opened += 1;
      } catch (err) {
        failed += 1;
        if (errors.size < 5) errors.add((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, args.count)) }, worker));
  return {
    opened,
    failed,
    open: connections.filter((c) => c.open).length,
    errors: [...errors],
    ms: performance.now() - started,
  };
}

function reset(): boolean {
  cpuAtReset = process.cpuUsage();
  dropped = 0;
  for (const c of connections) {
    c.ids = [];
    c.times = [];
    c.named = 0;
    c.counted = c.open;
  }
  return true;
}

async function collect(args: CollectArgs): Promise<CollectResult> {
  const started = performance.now();
  const published = new Map(args.published.map((e) => [e.id, e]));
  const perGroup = new Array<number>(args.groups).fill(0);
  for (const e of args.published)
    perGroup[e.group % args.groups] = (perGroup[e.group % args.groups] ?? 0) + 1;
  const counted = connections.filter((c) => c.counted);
  const done = () => counted.every((c) => !c.open || c.ids.length >= (perGroup[c.group] ?? 0));
  while (!done() && performance.now() - started < args.timeoutMs) await new Promise((r) => setTimeout(r, 20));
  const latency = new LatencyRecorder();
  let expected = 0;
  let delivered = 0;
  let disordered = 0;
  let unexpected = 0;
  let named = 0;
  let lastAt = 0;
  for (const c of connections) {
    named += c.named;
    if (c.counted) expected += perGroup[c.group] ?? 0;
    let last = -1;
    for (let i = 0; i < c.ids.length; i++) {
      const id = c.ids[i] as number;
      const at = c.times[i] as number;
      if (at > lastAt) lastAt = at;
      const event = published.get(id);
      if (!event || event.group % args.groups !== c.group || !c.counted) {
        unexpected += 1;
        continue;
      }
      if (id <= last) {
        disordered += 1;
        continue;
      }
      last = id;
      delivered += 1;
      latency.add(at - event.sentAt);
    }
  }
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    connections: connections.filter((c) => c.open).length,
    dropped,
    expected,
    delivered,
    disordered,
    unexpected,
    named,
    histogram: latency.histogram(),
    maxMs: latency.count > 0 ? latency.max : Number.NaN,
    lastAt,
    waitedMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

serve({
  open,
  /** Forgets what was received so far: call before a step publishes. */
  reset: async () => reset(),
  collect,
  close: async (): Promise<FanoutCloseResult> => {
    let closed = 0;
    for (const c of connections) {
      if (c.open) closed += 1;
      c.open = false;
      c.socket.destroy();
    }
    connections.length = 0;
    return { closed };
  },
});
