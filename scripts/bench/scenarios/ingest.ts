import type { LoadArgs, LoadResult } from '../clients/ingest-load-api.js';
import { ClientProcess } from '../lib/client-process.js';
import { featureEvent } from '../lib/events.js';
import { cpuSeconds } from '../lib/proc-stats.js';
import { progress } from '../lib/progress.js';
import { redisCpuSeconds } from '../lib/redis-info.js';
import type { Section } from '../lib/report.js';
import { BARE_XADD_KEY, KOA_XADD_KEY, startXaddPeer, xaddCeilings } from './ceilings.js';
import { authHeaders, type BenchContext } from './context.js';
import { COMMIT_EVENTS, type IngestRound, ingestSection, type LoadRun } from './ingest-report.js';

/** Distinct bodies the load cycles through (keys and payloads differ, sizes alike). */
const BODIES = 64;
/**
 * Count bounds of one load run, beside its time bound (--ingest-seconds): whichever comes first ends it. At
 * the default 3 rounds they keep what the scenario appends (at most 4 × 150,000 events, warm-up included) and
 * the replay's events under the relay's EVENTS_MAX_LENGTH (1,000,000): no round runs into trimming at the cap.
 */
const MAX_SINGLE_REQUESTS = 50_000;
const MAX_COMMIT_REQUESTS = 1000;
/** redis-benchmark requests per run: a few seconds each at this machine's rates. */
const BENCHMARK_REQUESTS = { pipelined: 300_000, unpipelined: 60_000 };
const WARM_UP_MS = 1500;

function singleBodies(): string[] {
  return Array.from({ length: BODIES }, (_, n) => JSON.stringify(featureEvent(n)));
}

function commitBodies(): string[] {
  return Array.from({ length: BODIES / 8 }, (_, c) =>
    JSON.stringify({
      author: { name: 'bench', email: 'bench@example.com' },
      events: Array.from({ length: COMMIT_EVENTS }, (_, i) => featureEvent(c * COMMIT_EVENTS + i)),
    }),
  );
}

/**
 * Ingest: `POST /api/events` at full rate, single events and commits of 100, a fixed number of requests in
 * flight, against two ceilings measured in the same rounds: redis-benchmark XADD (Redis' own) and a bare
 * node:http server doing one XADD per POST (a Node HTTP front's), driven by the same load process with the same
 * bodies and concurrency. Rounds interleave all of them so that they see the same machine load.
 */
export async function ingest(ctx: BenchContext): Promise<Section> {
  const { ingestSeconds, ingestRuns, ingestConcurrency: concurrency } = ctx.options;
  const [loader, bare, koa] = await Promise.all([
    ClientProcess.start('ingest-load', ctx.clientScript('ingest-load')),
    startXaddPeer(ctx, 'bare-xadd'),
    startXaddPeer(ctx, 'koa-xadd'),
  ]);
  const singles = singleBodies();
  const commits = commitBodies();
  const base = { concurrency, expectStatus: 201 };
  const relayTarget = { port: ctx.relay.port, path: '/api/events', headers: authHeaders(ctx.relay) };
  const bareTarget = { port: bare.port, path: '/', headers: {} };
  const koaTarget = { port: koa.port, path: '/', headers: {} };
  const measure = async (pid: number, args: LoadArgs): Promise<LoadRun> => {
    const serverCpu = cpuSeconds(pid);
    const redisCpu = await redisCpuSeconds(ctx.redis.client);
    const result = await loader.call<LoadResult>('load', args, args.durationMs + 60_000);
    const seconds = result.ms / 1000;
    return {
      result,
      serverCpu: (cpuSeconds(pid) - serverCpu) / seconds,
      redisCpu: ((await redisCpuSeconds(ctx.redis.client)) - redisCpu) / seconds,
    };
  };
  type Target = typeof relayTarget;
  /** Single-event POSTs to a server (one of the peers, or the relay). */
  const singleEvents = (pid: number, target: Target, durationMs: number) =>
    measure(pid, {
      ...base,
      ...target,
      bodies: singles,
      eventsPerRequest: 1,
      maxRequests: MAX_SINGLE_REQUESTS,
      durationMs,
    });
  const runs = (durationMs: number) => ({
    bare: () => singleEvents(bare.proc.pid, bareTarget, durationMs),
    koa: () => singleEvents(koa.proc.pid, koaTarget, durationMs),
    single: () => singleEvents(ctx.relay.pid, relayTarget, durationMs),
    commits: () =>
      measure(ctx.relay.pid, {
        ...base,
        ...relayTarget,
        bodies: commits,
        eventsPerRequest: COMMIT_EVENTS,
        maxRequests: MAX_COMMIT_REQUESTS,
        durationMs,
      }),
  });
  try {
    progress(`ingest: warm-up (${WARM_UP_MS} ms each of the two peers, single events, commits)`);
    const warm = runs(WARM_UP_MS);
    await warm.bare();
    await warm.koa();
    await warm.single();
    await warm.commits();
    await ctx.redis.client.del(BARE_XADD_KEY, KOA_XADD_KEY);
    const load = runs(ingestSeconds * 1000);
    const rounds: IngestRound[] = [];
    for (let r = 1; r <= ingestRuns; r++) {
      const { pipelined, unpipelined } = await xaddCeilings(ctx, BENCHMARK_REQUESTS);
      const bareRun = await load.bare();
      const koaRun = await load.koa();
      await ctx.redis.client.del(BARE_XADD_KEY, KOA_XADD_KEY);
      const single = await load.single();
      const commitRun = await load.commits();
      rounds.push({ pipelined, unpipelined, bare: bareRun, koa: koaRun, single, commits: commitRun });
      progress(
        `ingest: round ${r}/${ingestRuns}: redis-benchmark XADD -P ${pipelined.pipeline} ${Math.round(pipelined.rate)}/s, -P 1 ${Math.round(unpipelined.rate)}/s; bare node:http+XADD ${Math.round(bareRun.result.requestRate)} req/s, Koa+XADD ${Math.round(koaRun.result.requestRate)} req/s; relay single ${Math.round(single.result.requestRate)} req/s (p50 ${single.result.p50Ms.toFixed(1)} ms), commits of ${COMMIT_EVENTS} ${Math.round(commitRun.result.eventRate)} events/s (p50 ${commitRun.result.p50Ms.toFixed(1)} ms); errors (bare/Koa/single/commits) ${bareRun.result.errors}/${koaRun.result.errors}/${single.result.errors}/${commitRun.result.errors}`,
      );
    }
    return ingestSection(rounds, { concurrency, seconds: ingestSeconds });
  } finally {
    await Promise.all([loader.stop(), bare.proc.stop(), koa.proc.stop()]);
    await ctx.redis.client.del(BARE_XADD_KEY, KOA_XADD_KEY);
  }
}
