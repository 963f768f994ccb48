/**
 * Ceiling of SSE fan-out in one Node process: a bare node:http server that holds every GET as an SSE response
 * and, on command, writes one prebuilt frame to all of them (`res.write` of the same Buffer, or that Buffer made
 * into an HTTP chunk once and written to each socket, as the relay's hub does), nothing else: no Redis, no
 * filter, no per-event work but the writes. Started by the bench as a client
 * process (IPC commands), never by hand.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeBody, eventJson } from '../../../src/events/serialize.js';
import { FanoutChunk } from '../../../src/sse/fanout-chunk.js';
import { eventFrame } from '../../../src/sse/frame.js';
import { SSE_HEADERS } from '../../../src/sse/listen.js';
import { serve } from '../clients/rpc.js';
import { LOOPBACK } from '../clients/sse-target.js';
import { configEvent } from '../lib/events.js';
import type { PeerListening, PeerStats, RawRunArgs, RawRunResult } from './peer-api.js';

const open = new Set<ServerResponse>();
const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  open.add(res);
  res.once('close', () => open.delete(res));
  req.resume();
});

/** A frame as the relay would build it for a CONFIG_UPDATED event of the bench (same size and shape). */
function frame(id: number): Buffer {
  const e = configEvent(id);
  const body = encodeBody({
    type: e.type,
    key: e.key,
    domain: 'Config',
    payload: e.payload,
    authInfo: { clientId: 'bench-admin', name: 'bench-admin' },
  });
  return Buffer.from(eventFrame(id, eventJson(id, Math.floor(id / 1000), body)));
}

async function run(args: RawRunArgs): Promise<RawRunResult> {
  const ids: number[] = [];
  const sentAt: number[] = [];
  let writeMs = 0;
  let writes = 0;
  let frameBytes = 0;
  const started = performance.now();
  for (let i = 0; i < args.count; i++) {
    const wait = started + i * args.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else await new Promise((r) => setImmediate(r));
    const id = args.firstId + i;
    const buf = frame(id);
    frameBytes = buf.length;
    const t0 = performance.now();
    ids.push(id);
    sentAt.push(now());
    if (args.method === 'res.write') for (const res of open) res.write(buf);
    else {
      const chunk = new FanoutChunk(buf).chunked;
      for (const res of open) res.socket?.write(chunk);
    }
    writes += open.size;
    writeMs += performance.now() - t0;
  }
  return { ids, sentAt, writeMs, writes, frameBytes };
}

serve({
  listen: () =>
    new Promise<PeerListening>((resolve) => {
      server.listen(0, LOOPBACK, () => resolve({ port: (server.address() as AddressInfo).port }));
    }),
  run,
  stats: async (): Promise<PeerStats> => ({ clients: open.size, redisConnections: 0 }),
});
