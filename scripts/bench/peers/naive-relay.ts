/**
 * The straightforward relay, as a peer to measure the project against: a node:http server where each
 * `GET /api/events?domains=&patterns=` gets a Redis connection of its own, blocked in
 * `XREAD BLOCK 0 STREAMS <stream> <lastId>` in a loop; each entry is decoded, filtered and framed for that one
 * client (the project's own decode, filter and frame code, so the bytes are the same). It reads the relay's
 * stream, so the events published through the relay feed both. No authentication (every key pattern allowed),
 * no heartbeat, no replay. Started by the bench as a client process (IPC commands), never by hand.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { isWithdrawnId } from '../../../src/events/event-id.js';
import type { RawEntry } from '../../../src/events/event-store.js';
import { buildFilter, type EventFilter, matchesFilter } from '../../../src/events/filter.js';
import { decodeEntry } from '../../../src/events/serialize.js';
import { eventFrame } from '../../../src/sse/frame.js';
import { SSE_HEADERS } from '../../../src/sse/listen.js';
import { serve } from '../clients/rpc.js';
import { LOOPBACK } from '../clients/sse-target.js';
import type { PeerListening, PeerStats } from './peer-api.js';

let redisUrl = '';
let stream = '';
let clients = 0;
let redisConnections = 0;

async function listenOne(res: ServerResponse, filter: EventFilter): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'naive-peer' });
  redis.on('error', () => undefined); // the read loop sees the failure
  redisConnections += 1;
  let open = true;
  res.once('close', () => {
    open = false;
    redis.disconnect();
  });
  try {
    // start after the newest entry, so the response headers mean "listening": nothing published later is missed
    const top = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as RawEntry[];
    let lastId = top[0]?.[0] ?? '0-0';
    clients += 1;
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    while (open) {
      const reply = (await redis.xread('BLOCK', 0, 'STREAMS', stream, lastId)) as
        | [string, RawEntry[]][]
        | null;
      const entries = reply?.[0]?.[1] ?? [];
      let chunk = '';
      for (const [id, fields] of entries) {
        lastId = id;
        if (isWithdrawnId(id)) continue;
        const event = decodeEntry(id, fields);
        if (matchesFilter(filter, event)) chunk += eventFrame(event.id, event.json);
      }
      if (chunk.length > 0 && open) res.write(chunk);
    }
  } catch {
    // connection closed (client gone) or Redis failed: end this client
  } finally {
    if (res.headersSent) clients -= 1;
    redisConnections -= 1;
    redis.disconnect();
    res.destroy();
  }
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/api/events') {
    res.writeHead(404).end();
    return;
  }
  let filter: EventFilter;
  try {
    filter = buildFilter({
      domains: url.searchParams.get('domains') ?? undefined,
      patterns: url.searchParams.get('patterns') ?? undefined,
      authorizedPattern: '*',
    });
  } catch (err) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end((err as Error).message);
    return;
  }
  void listenOne(res, filter);
}

const server = createServer(onRequest);

serve({
  listen: (args: { redisUrl: string; stream: string }) =>
    new Promise<PeerListening>((resolve) => {
      redisUrl = args.redisUrl;
      stream = args.stream;
      server.listen(0, LOOPBACK, () => resolve({ port: (server.address() as AddressInfo).port }));
    }),
  stats: async (): Promise<PeerStats> => ({ clients, redisConnections }),
});
