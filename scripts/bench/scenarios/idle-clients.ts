import type { SseTarget } from '../clients/sse-target.js';
import { featureEvent } from '../lib/events.js';
import { IdleFleet } from '../lib/idle-fleet.js';
import { rssBytes } from '../lib/proc-stats.js';
import { progress, sleep, wallClockMs } from '../lib/progress.js';
import { publish } from '../lib/publish.js';
import { connectedClients } from '../lib/redis-info.js';
import { relayGauges } from '../lib/relay-metrics.js';
import { figure, round, type Section } from '../lib/report.js';
import { authHeaders, type BenchContext } from './context.js';

const KB = 1024;
const MB = 1024 * 1024;
const RSS_GOAL_KB = 20;
/** Time for the relay to settle (allocations, GC) before RSS is read. */
const SETTLE_MS = 3000;

interface Sample {
  readonly clients: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly sseClients: number;
  readonly redisClients: number;
}

async function sample(ctx: BenchContext, clients: number): Promise<Sample> {
  await sleep(SETTLE_MS);
  const gauges = await relayGauges(ctx.relay.baseUrl);
  return {
    clients,
    rss: rssBytes(ctx.relay.pid),
    heapUsed: gauges.heapUsedBytes,
    sseClients: gauges.sseClients,
    redisClients: await connectedClients(ctx.redis.client),
  };
}

/**
 * How many idle SSE clients one relay process holds and what each costs: relay RSS and V8 heap before and
 * after N connections (in two steps, for the marginal cost too), Redis connections (must not grow with N),
 * and a few events published to all of them (none may be lost).
 */
export async function idleClients(ctx: BenchContext): Promise<Section> {
  const { clients: n, clientProcs, probeEvents } = ctx.options;
  const target: SseTarget = { port: ctx.relay.port, path: '/api/events', headers: authHeaders(ctx.relay) };
  const fleet = await IdleFleet.start(ctx.clientScript('idle-sse'), clientProcs);
  try {
    progress(`idle clients: warm-up (100 connections, 1 event), client pids ${fleet.pids.join(', ')}`);
    const warmOpen = await fleet.open(target, 100, 60_000);
    await fleet.reset();
    const warm = await publish(ctx.relay.baseUrl, ctx.relay.admin, [featureEvent(0)]);
    const warmDelivery = await fleet.delivery(warm.ids, 10_000);
    await fleet.close();
    progress(
      `idle clients: warm-up: ${warmOpen.open} opened in ${Math.round(warmOpen.ms)} ms, ${warmDelivery.delivered}/${warmDelivery.expected} delivered`,
    );

    const before = await sample(ctx, 0);
    progress(
      `idle clients: before: relay RSS ${(before.rss / MB).toFixed(1)} MB, Redis clients ${before.redisClients}`,
    );
    const samples: Sample[] = [before];
    const openTimes: number[] = [];
    let failed = 0;
    const errors = new Set<string>();
    for (const goal of [Math.floor(n / 2), n]) {
      const open = await fleet.open(target, goal - samples[samples.length - 1]!.clients, 120_000);
      failed += open.failed;
      for (const e of open.errors) errors.add(e);
      openTimes.push(open.ms);
      const s = await sample(ctx, open.open);
      samples.push(s);
      progress(
        `idle clients: ${s.clients} open (${open.failed} failed, ${Math.round(open.ms)} ms): relay RSS ${(s.rss / MB).toFixed(1)} MB, relay sees ${s.sseClients}, Redis clients ${s.redisClients}`,
      );
    }
    const after = samples[samples.length - 1]!;
    const half = samples[1]!;

    progress(`idle clients: publishing ${probeEvents} events to ${after.clients} clients`);
    await fleet.reset();
    const publishedAt = new Map<number, number>();
    for (let i = 0; i < probeEvents; i++) {
      const at = wallClockMs();
      const { ids } = await publish(ctx.relay.baseUrl, ctx.relay.admin, [featureEvent(i + 1)]);
      for (const id of ids) publishedAt.set(id, at);
      await sleep(100);
    }
    const ids = [...publishedAt.keys()];
    const delivery = await fleet.delivery(ids, 60_000);
    const latencies = ids.map((id) => (delivery.receipts.get(id)?.last ?? Number.NaN) - publishedAt.get(id)!);
    const lost = delivery.expected - delivery.delivered;
    progress(
      `idle clients: delivered ${delivery.delivered}/${delivery.expected} (lost ${lost}, disordered ${delivery.disordered}, dropped connections ${delivery.dropped})`,
    );
    const afterProbe = await sample(ctx, delivery.connections);
    const closed = await fleet.close();
    const afterClose = await sample(ctx, 0);
    progress(
      `idle clients: closed ${closed}; relay sees ${afterClose.sseClients}, Redis clients ${afterClose.redisClients}`,
    );

    const perConn = (after.rss - before.rss) / after.clients / KB;
    const marginal = (after.rss - half.rss) / (after.clients - half.clients) / KB;
    const heapPerConn = (after.heapUsed - before.heapUsed) / after.clients / KB;
    const openSeconds = openTimes.reduce((a, b) => a + b, 0) / 1000;
    return {
      title: 'Idle SSE clients on one relay process',
      figures: [
        figure('idle.clients', 'idle SSE clients held', after.clients, '', {
          text: `${n} requested, 0 failed`,
          met: after.clients === n && failed === 0,
        }),
        figure('idle.connectRate', 'connections opened per second', round(after.clients / openSeconds), '/s'),
        figure('idle.rssBefore', 'relay RSS before', round(before.rss / MB), 'MB'),
        figure('idle.rssAfter', `relay RSS with ${after.clients} clients`, round(after.rss / MB), 'MB'),
        figure('idle.rssPerConnection', 'relay RSS per connection', round(perConn), 'KB', {
          text: `≤ ${RSS_GOAL_KB} KB`,
          met: perConn <= RSS_GOAL_KB,
        }),
        figure(
          'idle.rssPerConnectionMarginal',
          `marginal RSS per connection (${half.clients}→${after.clients})`,
          round(marginal),
          'KB',
          {
            text: `≤ ${RSS_GOAL_KB} KB`,
            met: marginal <= RSS_GOAL_KB,
          },
        ),
        figure('idle.heapPerConnection', 'V8 heap used per connection', round(heapPerConn), 'KB'),
        figure('idle.redisClientsBefore', 'Redis connected_clients before', before.redisClients, ''),
        figure(
          'idle.redisClientsAfter',
          `Redis connected_clients with ${after.clients} clients`,
          after.redisClients,
          '',
          {
            text: `= before (${before.redisClients})`,
            met: after.redisClients === before.redisClients && half.redisClients === before.redisClients,
          },
        ),
        figure('idle.probeEvents', 'events published to all clients', ids.length, ''),
        figure('idle.deliveriesExpected', 'deliveries expected', delivery.expected, ''),
        figure('idle.deliveries', 'deliveries received', delivery.delivered, ''),
        figure('idle.lost', 'deliveries lost', lost, '', { text: '0', met: lost === 0 }),
        figure('idle.disordered', 'duplicate or out-of-order frames', delivery.disordered, '', {
          text: '0',
          met: delivery.disordered === 0,
        }),
        figure('idle.dropped', 'connections dropped by the relay', delivery.dropped, '', {
          text: '0',
          met: delivery.dropped === 0,
        }),
        figure(
          'idle.lastReceiptMs',
          'publish → last client received (worst event)',
          round(Math.max(...latencies)),
          'ms',
        ),
        figure('idle.rssAfterProbe', 'relay RSS after the events', round(afterProbe.rss / MB), 'MB'),
        figure('idle.rssAfterClose', 'relay RSS after all clients closed', round(afterClose.rss / MB), 'MB'),
      ],
      notes: [
        `${n} connections from ${clientProcs} client processes (raw node:http, one socket each, Izanami-Client-Id/Secret headers, \`GET /api/events\`), opened in two steps of half; RSS is VmRSS of /proc/<relay pid>/status read ${SETTLE_MS / 1000} s after each step, after a warm-up of 100 connections.`,
        "RSS per connection = (RSS with N − RSS before) / N; marginal = the same over the second half only. V8 heap from the relay's own /metrics (relay_nodejs_heap_size_used_bytes).",
        `Redis connected_clients counts the bench's own connection (1) besides the relay's. During the steps: ${samples.map((s) => `${s.clients} clients → ${s.redisClients}`).join(', ')}.`,
        `${ids.length} single-event POSTs 100 ms apart; every open connection must receive each exactly once, in order. Per event, publish → last receipt: ${latencies.map((l) => `${Math.round(l)} ms`).join(', ')}.`,
        ...(errors.size > 0 ? [`Connection errors: ${[...errors].join('; ')}`] : []),
      ],
      details: { samples, afterProbe, afterClose, openTimesMs: openTimes, latenciesMs: latencies, failed },
    };
  } finally {
    await fleet.stop();
  }
}
