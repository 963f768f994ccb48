/**
 * Client process: publishes single-event commits to the relay at a fixed rate, open loop (each request leaves
 * on its schedule, not when the previous one is answered, so a busy server faces the same rate and a backlog
 * shows as latency), and records when each was sent and the `_id` it got. Started by the bench, never by hand.
 */
import { Agent } from 'node:http';
import { configEvent } from '../lib/events.js';
import type { RatePublishArgs, RatePublished, RatePublishResult } from './fanout-publisher-api.js';
import { postJson } from './http-post.js';
import { serve } from './rpc.js';

const now = () => performance.timeOrigin + performance.now();

async function post(agent: Agent, args: RatePublishArgs, body: string): Promise<number> {
  const { status, body: answer } = await postJson(agent, { ...args, path: '/api/events' }, body);
  const text = answer.toString('utf8');
  if (status !== 201) throw new Error(`HTTP ${status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { events: { _id: number }[] }).events[0]?._id ?? Number.NaN;
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
