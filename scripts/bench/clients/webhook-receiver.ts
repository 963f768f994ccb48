/**
 * Client process: the webhook receiver, a node:http server on 127.0.0.1 that answers every request 200 at once
 * (empty body, keep-alive) and records, per request, its `webhook-id`, when it arrived and the `_id` of each
 * event it carries. Started by the bench, never by hand.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from './rpc.js';
import { LOOPBACK } from './sse-target.js';
import type { CollectArgs, CollectResult, ListenResult, Received, Sample } from './webhook-receiver-api.js';

const now = () => performance.timeOrigin + performance.now();

/** Every webhook-id ever received: a second arrival is a duplicate, whichever run it belongs to. */
const seen = new Set<string>();
let received: Received[] = [];
let duplicates = 0;
let malformed = 0;
let cpuAtReset = process.cpuUsage();
let sample: Sample | undefined;
/** Event ids and webhook-ids received since the last reset, for the waits. */
let eventIds = new Set<number>();
let webhookIds = new Set<string>();

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const at = now();
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    res.writeHead(200, { 'Content-Length': '0' });
    res.end();
    const body = Buffer.concat(chunks).toString('utf8');
    const header = req.headers['webhook-id'];
    const webhookId = typeof header === 'string' ? header : '';
    let ids: number[] | undefined;
    try {
      const edited = (JSON.parse(body) as { objectsEdited?: unknown }).objectsEdited;
      if (Array.isArray(edited)) ids = edited.map((e: { _id: number }) => e._id);
    } catch {
      // counted below
    }
    if (!webhookId || ids === undefined) malformed += 1;
    ids ??= [];
    if (!webhookId) {
      // nothing to de-duplicate on
    } else if (seen.has(webhookId)) duplicates += 1;
    else seen.add(webhookId);
    received.push({ webhookId, at, ids });
    webhookIds.add(webhookId);
    for (const id of ids) eventIds.add(id);
    sample = { body, headers: req.headers as Record<string, string> };
  });
}

const server = createServer(onRequest);

async function listen(): Promise<ListenResult> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return { port: (server.address() as AddressInfo).port };
}

async function collect(args: CollectArgs): Promise<CollectResult> {
  const started = performance.now();
  const all = () =>
    (args.eventIds ?? []).every((id) => eventIds.has(id)) &&
    (args.webhookIds ?? []).every((id) => webhookIds.has(id));
  let timedOut = false;
  for (;;) {
    if (all()) break;
    if (performance.now() - started > args.timeoutMs) {
      timedOut = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, args.quietMs));
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    received,
    timedOut,
    duplicates,
    malformed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    waitedMs: performance.now() - started,
  };
}

serve({
  listen,
  /** Forgets the requests received so far (not the webhook-ids seen): call before each run. */
  reset: async () => {
    received = [];
    duplicates = 0;
    malformed = 0;
    eventIds = new Set();
    webhookIds = new Set();
    cpuAtReset = process.cpuUsage();
    return true;
  },
  collect,
  sample: async (): Promise<Sample> => {
    if (!sample) throw new Error('no request received yet');
    return sample;
  },
});
