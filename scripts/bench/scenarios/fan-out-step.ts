import type { PublishedEvent } from '../clients/fanout-sse-api.js';
import type { FanoutFleet, FleetCollect } from '../lib/fanout-fleet.js';
import { cpuSeconds, rssBytes } from '../lib/proc-stats.js';
import { progress, sleep } from '../lib/progress.js';
import { connectedClients, redisCpuSeconds } from '../lib/redis-info.js';
import { relayGauges } from '../lib/relay-metrics.js';
import type { BenchContext } from './context.js';

/** Which server the clients listen to: the relay, the naive peer, or the bare fan-out ceiling. */
export type Server = 'relay' | 'naive' | 'raw';
export type Mode = 'broadcast' | 'selective';

/** What a server process looks like at rest with N clients (read after a pause, before publishing). */
export interface Resting {
  readonly clients: number;
  readonly rss: number;
  /** V8 heap in use (the relay's /metrics), NaN for the peers. */
  readonly heapUsed: number;
  readonly redisClients: number;
  /** Redis CPU seconds per second meanwhile (nothing published): subtracted from a step's per-event figure. */
  readonly redisIdleCpuPerS: number;
}

/** The connections opened just before a step (added to those already open). */
export interface Opening {
  readonly connections: number;
  readonly failed: number;
  readonly ms: number;
}

export interface StepResult {
  readonly opening: Opening | undefined;
  readonly server: Server;
  readonly mode: Mode;
  readonly clients: number;
  readonly resting: Resting;
  readonly published: number;
  /** Events per second achieved, first send → last send. */
  readonly publishRate: number;
  readonly publishErrors: number;
  readonly seconds: number;
  readonly delivery: FleetCollect;
  /** Redis connected_clients during the step (read in the middle of it). */
  readonly redisClients: number;
  readonly serverCpuS: number;
  readonly redisCpuS: number;
  readonly rssAfter: number;
}

/** Pause before a resting reading (allocations and GC settle), then Redis' CPU at rest is measured this long. */
const SETTLE_MS = 1000;
const IDLE_MS = 2000;

export async function rest(
  ctx: BenchContext,
  pid: number,
  clients: number,
  relay: boolean,
): Promise<Resting> {
  await sleep(SETTLE_MS);
  const redisCpu = await redisCpuSeconds(ctx.redis.client);
  const started = performance.now();
  await sleep(IDLE_MS);
  const redisIdleCpuPerS =
    ((await redisCpuSeconds(ctx.redis.client)) - redisCpu) / ((performance.now() - started) / 1000);
  return {
    redisIdleCpuPerS,
    clients,
    rss: rssBytes(pid),
    heapUsed: relay ? (await relayGauges(ctx.relay.baseUrl)).heapUsedBytes : Number.NaN,
    redisClients: await connectedClients(ctx.redis.client),
  };
}

export interface StepSpec {
  readonly server: Server;
  readonly mode: Mode;
  readonly groups: number;
  readonly pid: number;
  readonly resting: Resting;
  readonly fleet: FanoutFleet;
  readonly opening?: Opening | undefined;
  /** Publishes the step's events (paced) and says what was published. */
  readonly publish: () => Promise<{ events: PublishedEvent[]; errors: number }>;
  readonly seconds: number;
}

/**
 * One measured step: every connection of the fleet listens while the step's events are published at a fixed
 * rate; then each connection's receipts are checked (its events, once each, in order) and timed.
 */
export async function runStep(ctx: BenchContext, spec: StepSpec): Promise<StepResult> {
  await spec.fleet.reset();
  const serverCpu = cpuSeconds(spec.pid);
  const redisCpu = await redisCpuSeconds(ctx.redis.client);
  const started = performance.now();
  const middle = sleep((spec.seconds * 1000) / 2).then(() => connectedClients(ctx.redis.client));
  const { events, errors } = await spec.publish();
  const delivery = await spec.fleet.collect(events, spec.groups, 15_000 + spec.resting.clients);
  const seconds = (performance.now() - started) / 1000;
  const result: StepResult = {
    server: spec.server,
    mode: spec.mode,
    opening: spec.opening,
    clients: spec.resting.clients,
    resting: spec.resting,
    published: events.length,
    publishRate:
      events.length > 1
        ? (events.length - 1) / (((events.at(-1)?.sentAt ?? 0) - (events[0]?.sentAt ?? 0)) / 1000)
        : Number.NaN,
    publishErrors: errors,
    seconds,
    delivery,
    redisClients: await middle,
    serverCpuS: cpuSeconds(spec.pid) - serverCpu,
    redisCpuS: (await redisCpuSeconds(ctx.redis.client)) - redisCpu,
    rssAfter: rssBytes(spec.pid),
  };
  const l = delivery.latency;
  progress(
    `fan-out: ${spec.server} ${spec.mode} ${result.clients} clients: ${events.length} events at ${result.publishRate.toFixed(1)}/s, ${delivery.delivered}/${delivery.expected} delivered (lost ${delivery.lost}, disordered ${delivery.disordered}, dropped ${delivery.dropped}); p50 ${l.p50.toFixed(1)} p99 ${l.p99.toFixed(1)} max ${l.max.toFixed(1)} ms; Redis ${((result.redisCpuS / Math.max(1, events.length)) * 1e6).toFixed(0)} µs/event (at rest ${(spec.resting.redisIdleCpuPerS * 1000).toFixed(1)} ms/s), ${spec.server} CPU ${(result.serverCpuS / seconds).toFixed(2)} s/s`,
  );
  return result;
}
