/**
 * Client process: publishes single-event commits to the relay at a fixed rate, open loop (each request leaves
 * on its schedule, not when the previous one is answered, so a busy server faces the same rate and a backlog
 * shows as latency), and records when each was sent and the `_id` it got. Started by the bench, never by hand.
 */
import { Agent, request } from 'node:http';
import { configEvent } from '../lib/events.js';
import type { RatePublishArgs, RatePublished, RatePublishResult } from './fanout-publisher-api.js';
import { serve } from './rpc.js';
import { LOOPBACK } from './sse-target.js';

const now = () => performance.timeOrigin + performance.now();
const REQUEST_TIMEOUT_MS = 30_000;

function post(agent: Agent, args: RatePublishArgs, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: LOOPBACK,
        port: args.port,
        path: '/api/events',
        method: 'POST',
        agent,
        headers: {
          ...args.headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201) reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve((JSON.parse(text) as { events: { _id: number }[] }).events[0]?._id ?? Number.NaN);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function publish(args: RatePublishArgs): Promise<RatePublishResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: args.maxInFlight });
  const events: RatePublished[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  for (let n = 0; n < args.count && performance.now() - started < args.timeoutMs; n++) {
    const wait = started + n * args.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= args.maxInFlight) await Promise.race(pending);
    const body = JSON.stringify(configEvent(args.first + n));
    const sentAt = now();
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const one = post(agent, args, body).then(
      (id) => {
        events.push({ n, id, sentAt });
      },
      (err: Error) => {
        errors += 1;
        if (errorSamples.size < 5) errorSamples.add(err.message);
      },
    );
    const tracked = one.finally(() => {
      inFlight -= 1;
      pending.delete(tracked);
    });
    pending.add(tracked);
  }
  await Promise.all(pending);
  agent.destroy();
  errors += args.count - events.length - errors;
  events.sort((a, b) => a.n - b.n);
  return { events, errors, errorSamples: [...errorSamples], maxInFlight };
}

serve({ publish });
