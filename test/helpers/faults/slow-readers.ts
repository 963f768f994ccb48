import { connect, type Socket } from 'node:net';
import { configEvent, eventsPath, newAdmin, publish, randomPrefix, relayEnv, sleep } from '../e2e-kit.js';
import { type SseTally, tallySse } from '../fault-tally.js';
import { readMemory } from '../process-memory.js';
import { startTestRedis } from '../redis-server.js';
import { metricValue } from '../relay-checks.js';
import { spawnRelay } from '../relay-process.js';
import { openSse, type SseConnection } from '../sse-client.js';
import { type Credentials, keyHeaders } from '../test-relay.js';

export interface SlowReadersOptions {
  /** Listeners that read one byte a second. */
  readonly slowReaders: number;
  /** SSE_MAX_BUFFERED_BYTES of the relay. */
  readonly capBytes: number;
  /** Size of each event's payload. */
  readonly eventBytes: number;
  /** Bytes published in all (events of `eventBytes`), whether or not the slow readers were cut before. */
  readonly publishBytes: number;
  /**
   * NODE_OPTIONS of the relay, e.g. `--max-old-space-size=64`: a heap limit far below what buffering for the
   * slow readers would take, so that a relay that buffered (or kept what it sent) would die of it.
   */
  readonly relayNodeOptions?: string;
  readonly progress?: (line: string) => void;
}

export interface SlowReadersResult {
  /** The listener that reads at full speed, against every event published. */
  readonly normal: SseTally;
  /** Slow listeners the relay cut (`relay_sse_disconnects_total{reason="slow"}`). */
  readonly cut: number;
  /** Listeners the relay still counts at the end (the normal one). */
  readonly clientsAtEnd: number;
  /** Bytes the slow readers read in all (one a second each). */
  readonly slowBytesRead: number;
  readonly events: number;
  /** RSS of the relay process before the slow readers connected, at its highest, and at the end. */
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly rssAfter: number;
  /** What the relay would hold, at the end, if it buffered for the slow readers without bound. */
  readonly unboundedBytes: number;
}

/** A listener that reads the response head, then one byte a second (its socket buffers fill up, then the relay's). */
async function oneBytePerSecond(
  baseUrl: string,
  path: string,
  creds: Credentials,
): Promise<{ socket: Socket; bytesRead: () => number }> {
  const { port } = new URL(baseUrl);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => undefined); // the relay cuts it by a reset: what counts is its metric
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const headers = Object.entries(keyHeaders(creds))
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${headers}\r\n`);
  let head = '';
  await new Promise<void>((resolve, reject) => {
    const onClose = () =>
      reject(new Error(`slow reader: closed before the response head (${head.length} bytes)`));
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  if (!/^HTTP\/1\.1 200 /.test(head)) throw new Error(`slow reader: ${head.split('\r\n')[0]}`);
  let read = 0;
  const timer = setInterval(() => {
    if (socket.read(1) !== null) read += 1;
  }, 1000);
  socket.once('close', () => clearInterval(timer));
  return { socket, bytesRead: () => read };
}

/**
 * A relay process with `slowReaders` listeners that read one byte a second and one that reads at full speed,
 * while `publishBytes` of large events are published: the relay must cut each slow reader once its unsent
 * bytes pass the cap, keep its memory bounded (far below what buffering for them would take), and deliver
 * every event to the reading listener, in order.
 */
export async function runSlowReaders(options: SlowReadersOptions): Promise<SlowReadersResult> {
  const say = options.progress ?? (() => undefined);
  const admin = newAdmin();
  const redis = await startTestRedis();
  const relay = await spawnRelay(
    relayEnv(redis.url, randomPrefix(), admin, {
      SSE_MAX_BUFFERED_BYTES: String(options.capBytes),
      ...(options.relayNodeOptions ? { NODE_OPTIONS: options.relayNodeOptions } : {}),
    }),
  );
  const slow: Awaited<ReturnType<typeof oneBytePerSecond>>[] = [];
  let normal: SseConnection | undefined;
  try {
    const path = eventsPath('slow');
    const rssBefore = (await readMemory(relay.baseUrl)).rss;
    normal = await openSse(`${relay.baseUrl}${path}`, keyHeaders(admin));
    for (let i = 0; i < options.slowReaders; i++)
      slow.push(await oneBytePerSecond(relay.baseUrl, path, admin));
    const metric = async (name: string, labels: Record<string, string> = {}) => {
      const res = await fetch(`${relay.baseUrl}/metrics`);
      return metricValue(await res.text(), name, labels) ?? 0;
    };
    const payload = 'x'.repeat(options.eventBytes);
    const events = Math.ceil(options.publishBytes / options.eventBytes);
    const published: number[] = [];
    let rssPeak = rssBefore;
    for (let i = 0; i < events; i++) {
      const body = { ...configEvent('slow', i), payload: { id: `slow:${i}`, value: payload } };
      const result = await publish(relay.baseUrl, admin, body);
      if (result.status !== 201)
        throw new Error(`publish ${i}: ${result.status} ${result.errorCode ?? result.failure}`);
      published.push(...result.events.map((e) => e._id));
      const reader = normal;
      await reader.waitFor((c) => c.frames.length >= published.length, 30_000);
      if (i % 10 === 9 || i === events - 1) {
        const memory = await readMemory(relay.baseUrl);
        rssPeak = Math.max(rssPeak, memory.rss);
        say(
          `${i + 1}/${events} events; cut ${await metric('relay_sse_disconnects_total', { reason: 'slow' })}; ` +
            `relay RSS ${(memory.rss / 1048576).toFixed(0)} MiB, heap ${(memory.heapUsed / 1048576).toFixed(0)} MiB`,
        );
      }
    }
    await sleep(1000);
    const rssAfter = (await readMemory(relay.baseUrl)).rss;
    const result: SlowReadersResult = {
      normal: tallySse(
        normal.frames.map((f) => Number(f.id)),
        published,
      ),
      cut: await metric('relay_sse_disconnects_total', { reason: 'slow' }),
      clientsAtEnd: await metric('relay_sse_clients'),
      slowBytesRead: slow.reduce((n, s) => n + s.bytesRead(), 0),
      events,
      rssBefore,
      rssPeak: Math.max(rssPeak, rssAfter),
      rssAfter,
      unboundedBytes: options.slowReaders * events * options.eventBytes,
    };
    return result;
  } finally {
    normal?.close();
    for (const s of slow) s.socket.destroy();
    await relay.kill('SIGKILL');
    await redis.stop();
  }
}
