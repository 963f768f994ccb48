/**
 * The floor of the relay's own stack: Koa with @koa/router (the shape the relay must use), one route that reads
 * the POST whole and appends it as is with one `XADD <stream> * b <body>` on one ioredis connection, answered
 * `201 {"id":"<entry id>"}`. Like peers/bare-xadd.ts in every other way: no authentication, no parsing, no
 * validation. Started by the bench as a client process (IPC commands), never by hand.
 */
import { createServer, type Server } from 'node:http';
import Router from '@koa/router';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { serve } from '../clients/rpc.js';
import type { BareXaddArgs, BareXaddListening } from './bare-xadd-api.js';
import { listenOnLoopback } from './listen.js';

let server: Server | undefined;

function readBody(req: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function listen(args: BareXaddArgs): Promise<BareXaddListening> {
  if (server) throw new Error('already listening');
  const redis = new Redis(args.redisUrl, { connectionName: 'koa-xadd-peer' });
  redis.on('error', () => undefined); // a failed XADD answers 500
  await redis.ping();
  const app = new Koa();
  app.silent = true; // a failed XADD is a 500, not a stack on stderr
  const router = new Router();
  router.post('/', async (ctx) => {
    const id = await redis.xadd(args.stream, '*', 'b', await readBody(ctx.req));
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = `{"id":"${id}"}`;
  });
  app.use(router.routes());
  server = createServer(app.callback());
  return { port: await listenOnLoopback(server) };
}

serve({ listen });
