/**
 * Client process: POSTs bodies to a server as fast as it answers, with a fixed number of requests in flight
 * (each on a keep-alive connection of its own), bounded by a count and a time; reports request and event
 * rates, latency percentiles and errors. Raw node:http, bodies built by the bench beforehand, so the load
 * costs little CPU of its own. Started by the bench, never by hand.
 */
import { Agent } from 'node:http';
import { postJson } from './http-post.js';
import type { LoadArgs, LoadResult } from './ingest-load-api.js';
import { serve } from './rpc.js';

interface Answer {
  readonly status: number;
  readonly bytes: number;
  readonly text: string;
}

async function post(agent: Agent, args: LoadArgs, body: string): Promise<Answer> {
  const { status, body: answer } = await postJson(agent, args, body);
  // the text only of an error, for its sample
  return { status, bytes: answer.length, text: status === args.expectStatus ? '' : answer.toString() };
}

function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

async function load(args: LoadArgs): Promise<LoadResult> {
  if (args.bodies.length === 0) throw new Error('no bodies');
  const inFlight = Math.max(1, Math.min(args.concurrency, args.maxRequests));
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const latencies = new Float64Array(args.maxRequests);
  const errorSamples = new Set<string>();
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let responseBytes = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + args.durationMs;
  let lastAnswer = started;
  const loop = async () => {
    while (sent < args.maxRequests && performance.now() < deadline) {
      const body = args.bodies[sent % args.bodies.length] as string;
      sent += 1;
      const at = performance.now();
      try {
        const answer = await post(agent, args, body);
        lastAnswer = performance.now();
        if (answer.status !== args.expectStatus)
          throw new Error(`HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
        latencies[ok] = lastAnswer - at;
        ok += 1;
        if (responseBytes === 0) responseBytes = answer.bytes;
      } catch (err) {
        errors += 1;
        if (errorSamples.size < 5) errorSamples.add((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  agent.destroy();
  const ms = lastAnswer - started;
  const used = process.cpuUsage(cpu);
  const sorted = latencies.subarray(0, ok).sort();
  return {
    requests: sent,
    ok,
    errors,
    errorSamples: [...errorSamples],
    ms,
    requestRate: ok / (ms / 1000),
    eventRate: (ok * args.eventsPerRequest) / (ms / 1000),
    p50Ms: nearestRank(sorted, 50),
    p99Ms: nearestRank(sorted, 99),
    maxMs: nearestRank(sorted, 100),
    bodyBytes: Buffer.byteLength(args.bodies[0] as string),
    responseBytes,
    cpuMs: (used.user + used.system) / 1000,
  };
}

serve({ load });
