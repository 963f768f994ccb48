import { type Figure, figure, round, type Section } from '../lib/report.js';
import type { BenchContext } from './context.js';
import { fanOutNotes } from './fan-out-notes.js';
import type { FanOutResults } from './fan-out-results.js';
import { find, redisUsPerEvent, rssPerConnKB, serverMsPerEvent, stepsTable } from './fan-out-table.js';

const KB = 1024;
const RSS_GOAL_KB = 20;
const P99_GOAL_MS = 250;
const REDIS_RATIO_GOAL = 50;

/** The figures, the per-step table and the notes of the fan-out scenario. */
export function fanOutSection(ctx: BenchContext, r: FanOutResults): Section {
  const o = ctx.options;
  const top = Math.max(...o.fanoutSizes);
  const shared = Math.max(...o.fanoutNaiveSizes.filter((n) => o.fanoutSizes.includes(n)), 0);
  const figures: Figure[] = [];
  const relayTop = find(r.relay, 'broadcast', top);
  const relayShared = find(r.relay, 'broadcast', shared);
  const naiveShared = find(r.naive, 'broadcast', shared);
  // the step with no client: what publishing itself costs Redis (append script, dispatcher, AOF fsync)
  const noClient = r.relay.steps.find((s) => s.clients === 0);
  const floor = noClient ? redisUsPerEvent(noClient) : Number.NaN;
  if (relayShared && naiveShared) {
    const ratio = redisUsPerEvent(naiveShared) / redisUsPerEvent(relayShared);
    figures.push(
      figure(
        'fanout.redisCpuRelay',
        `Redis CPU per event, relay, ${shared} clients`,
        round(redisUsPerEvent(relayShared)),
        'µs',
      ),
      figure(
        'fanout.redisCpuNaive',
        `Redis CPU per event, naive peer, ${shared} clients`,
        round(redisUsPerEvent(naiveShared)),
        'µs',
      ),
      figure(
        'fanout.redisCpuRatio',
        `Redis CPU per event, naive ÷ relay, ${shared} clients`,
        round(ratio),
        '',
        {
          text: `≥ ${REDIS_RATIO_GOAL}`,
          met: ratio >= REDIS_RATIO_GOAL,
        },
      ),
      figure(
        'fanout.redisCpuAddedRelay',
        `Redis CPU per event added by ${shared} listeners, relay (step − step with no client)`,
        round(redisUsPerEvent(relayShared) - floor),
        'µs',
      ),
      figure(
        'fanout.redisCpuAddedNaive',
        `Redis CPU per event added by ${shared} listeners, naive peer (step − step with no client)`,
        round(redisUsPerEvent(naiveShared) - floor),
        'µs',
      ),
      figure(
        'fanout.p99Relay',
        `p99 publish → receive, relay, ${shared} clients`,
        round(relayShared.delivery.latency.p99),
        'ms',
        {
          text: '≤ naive',
          met: relayShared.delivery.latency.p99 <= naiveShared.delivery.latency.p99,
        },
      ),
      figure(
        'fanout.p99Naive',
        `p99 publish → receive, naive peer, ${shared} clients`,
        round(naiveShared.delivery.latency.p99),
        'ms',
      ),
    );
  }
  const relaySteps = r.relay.steps.filter((s) => s.clients > 0);
  const lost = relaySteps.reduce(
    (n, s) => n + s.delivery.lost + s.delivery.disordered + s.delivery.unexpected,
    0,
  );
  const redisClients = [
    ...new Set(r.relay.steps.map((s) => s.redisClients).concat(r.relay.base.redisClients)),
  ];
  if (relayTop) {
    const d = relayTop.delivery;
    const perConn = rssPerConnKB(relayTop, r.relay.base);
    const below = find(r.relay, 'broadcast', Math.max(0, ...o.fanoutSizes.filter((n) => n < top)));
    const marginal = below
      ? (relayTop.resting.rss - below.resting.rss) / (top - below.clients) / KB
      : Number.NaN;
    const heap = (relayTop.resting.heapUsed - r.relay.base.heapUsed) / top / KB;
    const rate = o.fanoutRate;
    figures.push(
      figure('fanout.clients', 'SSE clients on one relay process (largest step)', d.connections, '', {
        text: `${top}`,
        met: d.connections === top && d.dropped === 0,
      }),
      figure(
        'fanout.p50',
        `p50 publish → receive, ${top} clients, ${rate} broadcast events/s`,
        round(d.latency.p50),
        'ms',
      ),
      figure(
        'fanout.p99',
        `p99 publish → receive, ${top} clients, ${rate} broadcast events/s`,
        round(d.latency.p99),
        'ms',
        {
          text: `≤ ${P99_GOAL_MS} ms`,
          met: d.latency.p99 <= P99_GOAL_MS,
        },
      ),
      figure('fanout.max', `max publish → receive, ${top} clients`, round(d.latency.max), 'ms'),
      figure(
        'fanout.lost',
        'deliveries lost, duplicated, out of order or unexpected (all relay steps)',
        lost,
        '',
        {
          text: '0',
          met: lost === 0 && relaySteps.every((s) => s.delivery.dropped === 0),
        },
      ),
      figure(
        'fanout.rssPerConnection',
        `relay RSS per connection (${top} idle clients)`,
        round(perConn),
        'KB',
        {
          text: `≤ ${RSS_GOAL_KB} KB`,
          met: perConn <= RSS_GOAL_KB,
        },
      ),
      figure(
        'fanout.rssPerConnectionMarginal',
        `marginal RSS per connection (${below?.clients ?? '?'}→${top})`,
        round(marginal),
        'KB',
        {
          text: `≤ ${RSS_GOAL_KB} KB`,
          met: marginal <= RSS_GOAL_KB,
        },
      ),
      figure(
        'fanout.connectRate',
        `connections opened per second (${relayTop.opening?.connections ?? 0} added, ${relayTop.opening?.failed ?? 0} failed)`,
        round((relayTop.opening?.connections ?? 0) / ((relayTop.opening?.ms ?? Number.NaN) / 1000)),
        '/s',
      ),
      figure('fanout.heapPerConnection', 'V8 heap used per connection', round(heap), 'KB'),
      figure(
        'fanout.redisClients',
        'Redis connected_clients, relay steps (0 … all clients)',
        Math.max(...redisClients),
        '',
        {
          text: 'the same at every N',
          met: redisClients.length === 1,
        },
      ),
      figure(
        'fanout.relayCpu',
        `relay CPU, ${top} clients, ${rate} broadcast events/s`,
        round(relayTop.serverCpuS / relayTop.seconds),
        'CPU s/s',
      ),
      figure(
        'fanout.relayCpuPerEvent',
        `relay CPU per event, ${top} clients`,
        round(serverMsPerEvent(relayTop)),
        'ms',
      ),
    );
  }
  const rawTop = find(r.raw, 'broadcast', top);
  if (rawTop)
    figures.push(
      figure(
        'fanout.rawP99',
        `ceiling: p99 write → receive, ${top} sockets, ${o.fanoutRate} frames/s`,
        round(rawTop.delivery.latency.p99),
        'ms',
      ),
      figure(
        'fanout.rawRate',
        `ceiling: frames/s achieved at ${top} sockets (its write loops paced at ${o.fanoutRate}/s, never overlapping)`,
        round(rawTop.publishRate),
        '/s',
      ),
      ...r.bursts.flatMap((b) => {
        const key = b.method === 'res.write' ? 'ResWrite' : '';
        return [
          figure(
            `fanout.rawDeliveryRate${key}`,
            `ceiling: deliveries/s end to end, burst of ${b.events} frames to ${b.clients} sockets (${b.method})`,
            round(b.deliveriesPerSecond),
            '/s',
          ),
          figure(
            `fanout.rawWriteRate${key}`,
            `ceiling: ${b.method} calls/s inside the write loop`,
            round(b.writesPerSecond),
            '/s',
          ),
        ];
      }),
    );
  return {
    title: 'SSE fan-out: relay vs naive peer vs bare ceiling',
    figures,
    tables: [stepsTable([r.relay, r.naive, r.raw])],
    notes: fanOutNotes(ctx, r),
    details: { relay: r.relay, naive: r.naive, raw: r.raw, bursts: r.bursts },
  };
}
