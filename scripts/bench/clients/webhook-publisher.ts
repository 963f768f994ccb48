/**
 * Client process: publishes commits to the relay (`POST /api/events`, one CONFIG_UPDATED event each), at full
 * rate with a few requests in flight or paced one at a time, and records when each was acknowledged (201) and
 * the `_id` it got. Raw node:http with a keep-alive agent. Started by the bench, never by hand.
 */
import { Agent } from 'node:http';
import { configEvent } from '../lib/events.js';
import { postJson } from './http-post.js';
import { serve } from './rpc.js';
import type { PublishArgs, PublishResult } from './webhook-publisher-api.js';

const now = () => performance.timeOrigin + performance.now();

async function post(
  agent: Agent,
  args: PublishArgs,
  body: string,
): Promise<{ status: number; text: string; at: number }> {
  const { status, body: answer } = await postJson(agent, { ...args, path: '/api/events' }, body);
  return { status, text: answer.toString('utf8'), at: now() };
}

async function publish(args: PublishArgs): Promise<PublishResult> {
  const paced = args.intervalMs !== undefined;
  const inFlight = paced ? 1 : Math.max(1, Math.min(args.concurrency, args.count));
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const cpu = process.cpuUsage();
  const results: { n: number; id: number; sentAt: number; ackAt: number }[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + args.timeoutMs;
  const one = async (n: number) => {
    const body = JSON.stringify(configEvent(args.first + n));
    const sentAt = now();
    try {
      const res = await post(agent, args, body);
      if (res.status !== 201) throw new Error(`HTTP ${res.status} ${res.text.slice(0, 200)}`);
      const stored = JSON.parse(res.text) as { events: { _id: number }[] };
      for (const e of stored.events) results.push({ n, id: e._id, sentAt, ackAt: res.at });
    } catch (err) {
      errors += 1;
      if (errorSamples.size < 5) errorSamples.add((err as Error).message);
    }
  };
  const loop = async () => {
    while (next < args.count && performance.now() < deadline) {
      const n = next++;
      if (paced) {
        const wait = started + n * (args.intervalMs as number) - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await one(n);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  const ms = performance.now() - started;
  agent.destroy();
  errors += args.count - next; // never sent: the run's time was up
  results.sort((a, b) => a.n - b.n);
  const used = process.cpuUsage(cpu);
  return {
    ids: results.map((r) => r.id),
    sentAt: results.map((r) => r.sentAt),
    ackAt: results.map((r) => r.ackAt),
    errors,
    errorSamples: [...errorSamples],
    ms,
    cpuMs: (used.user + used.system) / 1000,
  };
}

serve({ publish });
