/**
 * The ceiling of a Node HTTP front, as a peer to measure the relay's publish against: a bare node:http server
 * where each `POST` is read whole and appended as is with one `XADD <stream> * b <body>` on one ioredis
 * connection (default options, like the relay's, no auto-pipelining), answered `201 {"id":"<entry id>"}`. No
 * framework, no authentication, no parsing or validation, no idempotency, no trimming. Started by the bench as
 * a client process (IPC commands), never by hand.
 */
import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { serve } from '../clients/rpc.js';
import type { BareXaddArgs, BareXaddListening } from './bare-xadd-api.js';
import { listenOnLoopback } from './listen.js';

let server: Server | undefined;

async function listen(args: BareXaddArgs): Promise<BareXaddListening> {
  if (server) throw new Error('already listening');
  const redis = new Redis(args.redisUrl, { connectionName: 'bare-xadd-peer' });
  redis.on('error', () => undefined); // a failed XADD answers 500
  await redis.ping();
  server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      redis.xadd(args.stream, '*', 'b', Buffer.concat(chunks)).then(
        (id) => {
          res.writeHead(201, { 'Content-Type': 'application/json' });
          res.end(`{"id":"${id}"}`);
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  return { port: await listenOnLoopback(server) };
}

serve({ listen });
