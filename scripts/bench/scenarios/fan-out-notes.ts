import { describeMachine } from '../lib/machine.js';
import { round } from '../lib/report.js';
import type { BenchContext } from './context.js';
import type { FanOutResults } from './fan-out-results.js';
import type { Server } from './fan-out-step.js';

const MB = 1024 * 1024;

/** How the fan-out scenario measured, for the results. */
export function fanOutNotes(ctx: BenchContext, r: FanOutResults): string[] {
  const o = ctx.options;
  const servers: Record<Server, string> = {
    relay: 'the relay (`node dist/src/server.js`, one process, one XREAD BLOCK tail reader)',
    naive:
      "the naive peer (scripts/bench/peers/naive-relay.ts: one ioredis connection per client in `XREAD BLOCK 0` from its last id, decoded, filtered and framed per client with the project's own code; no auth)",
    raw: 'the bare ceiling (scripts/bench/peers/raw-fanout.ts: node:http, one prebuilt frame `res.write` to every socket, no Redis)',
  };
  return [
    `Servers: ${Object.values(servers).join('; ')}.`,
    `Each step: N SSE connections (${o.fanoutProcs} client processes, raw TCP sockets, chunked + SSE read by a minimal scanner), then ${o.fanoutRate * o.fanoutSeconds} single-event CONFIG_UPDATED commits POSTed to the relay one at a time at ${o.fanoutRate}/s (the same stream feeds the naive peer; the ceiling writes its own frames at the same rate). Broadcast: every client on \`?domains=Config\`; selective: clients spread evenly over 10 patterns \`bench:config:*0\` … \`*9\`, each event matching one tenth of them. The fleet grows through the sizes (${o.fanoutSizes.join(', ')}; naive ${o.fanoutNaiveSizes.join(', ')}) without reconnecting, then closes before the next mode.`,
    'Latency: the publisher takes `performance.timeOrigin + performance.now()` just before sending each POST (the ceiling: before its write loop); each client process takes the same clock when a socket read delivers the frame. timeOrigin is the wall clock at each process start, so the processes share one time base (to well under a millisecond on one machine). p50/p99 from merged 0.05 ms histograms over every (client, event).',
    "Checks: every connection open at the step's start must get each event of its group exactly once, in increasing id order; anything else counts as lost, duplicate/disordered or unexpected. 'dropped' = connections closed by the server.",
    "Redis CPU per event (total) = Δ(used_cpu_user + used_cpu_sys) over the step ÷ events; (net of rest) first subtracts what Redis used per second at rest (measured for 2 s just before the step, same clients connected, nothing published: cron, the relay's and BullMQ's periodic commands, the bench's INFO calls). Both include the append itself (Lua script, AOF fsync always) and the relay's dispatcher reading each entry — the same for every server (see the step with 0 clients). The naive ÷ relay ratio uses the net figures. Server CPU from /proc/<pid>/stat.",
    `The relay is restarted at the start of this scenario (same settings, same Redis and stream), so its memory is measured from a fresh heap: the earlier scenarios grow the heap, and connections opened into that already-grown heap would look cheaper than they are (a full run on source 697b903 read 4.5 KB per connection on the reused relay; a fan-out-only run, on a fresh one, 14.7 KB). RSS per connection = (resting RSS with N − resting RSS with 0 clients) / N, read 2 s after the connections opened, before publishing; marginal = between the two largest sizes. Heap from the relay's /metrics. Resting with 0 clients: relay ${round(r.relay.base.rss / MB)} MB, naive ${round(r.naive.base.rss / MB)} MB, ceiling ${round(r.raw.base.rss / MB)} MB.`,
    `Naive peer at 10,000 clients: skipped — it needs 10,000 SSE sockets + 10,000 Redis connections in one process (over the open-files limit, ${describeMachine().fdLimit} here) and Redis' default maxclients (10,000).`,
    ...r.bursts.map(
      (b) =>
        `Ceiling burst (${b.method}): ${b.events} frames of ${b.frameBytes} bytes back to back to ${b.clients} sockets, ${b.delivered} delivered (lost ${b.lost}) in ${round(b.seconds)} s (first write → last receipt).`,
    ),
    'Publishing is closed-loop (one POST at a time, on a fixed schedule): when the server cannot keep up, the achieved rate (column events/s) falls below the target instead of a backlog building; read p99 together with it.',
  ];
}
