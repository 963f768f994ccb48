import type { LoadResult } from '../clients/ingest-load-api.js';
import { figure, median, round, type Section } from '../lib/report.js';
import type { XaddBenchmark } from '../peers/redis-benchmark.js';
import { BENCHMARK_CLIENTS, BENCHMARK_PIPELINE } from './ceilings.js';

export const COMMIT_EVENTS = 100;

/** One load run, with the CPU the server under load and Redis used meanwhile. */
export interface LoadRun {
  readonly result: LoadResult;
  /** CPU seconds per wall second of the server (relay or bare peer) and of Redis during the run. */
  readonly serverCpu: number;
  readonly redisCpu: number;
}

export interface IngestRound {
  readonly pipelined: XaddBenchmark;
  readonly unpipelined: XaddBenchmark;
  readonly bare: LoadRun;
  /** The relay's stack (Koa, @koa/router) doing only what the bare peer does. */
  readonly koa: LoadRun;
  readonly single: LoadRun;
  readonly commits: LoadRun;
}

/** Issue 4's targets. */
const COMMIT_RATIO_TARGET = 0.25;
const SINGLE_RATIO_TARGET = 0.7;

const med = (rounds: readonly IngestRound[], pick: (r: IngestRound) => number) => median(rounds.map(pick));

/** CPU microseconds of the server per request it answered. */
const cpuPerRequestUs = (run: LoadRun) => (run.serverCpu / run.result.requestRate) * 1e6;

function roundRow(r: IngestRound, i: number): (string | number)[] {
  const load = (run: LoadRun) =>
    `${Math.round(run.result.requestRate)} (${run.result.p50Ms.toFixed(1)} / ${run.result.p99Ms.toFixed(1)})`;
  return [
    i + 1,
    Math.round(r.pipelined.rate),
    Math.round(r.unpipelined.rate),
    load(r.bare),
    load(r.koa),
    load(r.single),
    load(r.commits),
    Math.round(r.commits.result.eventRate),
    r.bare.result.errors + r.koa.result.errors + r.single.result.errors + r.commits.result.errors,
  ];
}

/** The ingest section: relay rates against the two ceilings, as medians of the rounds. */
export function ingestSection(
  rounds: readonly IngestRound[],
  setup: { concurrency: number; seconds: number },
): Section {
  const pipelined = med(rounds, (r) => r.pipelined.rate);
  const bareRate = med(rounds, (r) => r.bare.result.requestRate);
  const koaRate = med(rounds, (r) => r.koa.result.requestRate);
  const singleRate = med(rounds, (r) => r.single.result.requestRate);
  const commitEvents = med(rounds, (r) => r.commits.result.eventRate);
  const commitRatio = commitEvents / pipelined;
  const singleRatio = singleRate / bareRate;
  const relayErrors = rounds.reduce((n, r) => n + r.single.result.errors + r.commits.result.errors, 0);
  const first = rounds[0];
  const samples = rounds.flatMap((r) => [...r.single.result.errorSamples, ...r.commits.result.errorSamples]);
  const inFlight = `${setup.concurrency} in flight`;
  return {
    title: 'Ingest: POST /api/events against Redis and Node ceilings',
    figures: [
      figure(
        'ingest.xaddPipelinedRate',
        `redis-benchmark XADD, ${BENCHMARK_CLIENTS} clients, pipeline ${BENCHMARK_PIPELINE}`,
        round(pipelined),
        'ops/s',
      ),
      figure(
        'ingest.xaddRate',
        `redis-benchmark XADD, ${BENCHMARK_CLIENTS} clients, no pipelining`,
        round(med(rounds, (r) => r.unpipelined.rate)),
        'ops/s',
      ),
      figure('ingest.bareRate', `bare node:http + one XADD per POST (${inFlight})`, round(bareRate), 'req/s'),
      figure(
        'ingest.koaRate',
        `Koa + @koa/router + one XADD per POST, the relay's stack alone (${inFlight})`,
        round(koaRate),
        'req/s',
      ),
      figure(
        'ingest.koaRatio',
        'Koa + XADD req/s / bare node:http + XADD req/s',
        round(koaRate / bareRate),
        '',
      ),
      figure('ingest.singleRate', `relay, single-event POSTs (${inFlight})`, round(singleRate), 'req/s'),
      figure(
        'ingest.singleP50',
        'relay single-event POST latency p50',
        round(med(rounds, (r) => r.single.result.p50Ms)),
        'ms',
      ),
      figure(
        'ingest.singleP99',
        'relay single-event POST latency p99',
        round(med(rounds, (r) => r.single.result.p99Ms)),
        'ms',
      ),
      figure(
        'ingest.commitRate',
        `relay, commits of ${COMMIT_EVENTS} events (${inFlight})`,
        round(commitEvents),
        'events/s',
      ),
      figure(
        'ingest.commitRequestRate',
        `relay, commits of ${COMMIT_EVENTS}: requests`,
        round(med(rounds, (r) => r.commits.result.requestRate)),
        'req/s',
      ),
      figure(
        'ingest.commitP50',
        `relay commit-of-${COMMIT_EVENTS} POST latency p50`,
        round(med(rounds, (r) => r.commits.result.p50Ms)),
        'ms',
      ),
      figure(
        'ingest.commitP99',
        `relay commit-of-${COMMIT_EVENTS} POST latency p99`,
        round(med(rounds, (r) => r.commits.result.p99Ms)),
        'ms',
      ),
      figure('ingest.errors', 'relay requests not answered 201', relayErrors, '', {
        text: '0',
        met: relayErrors === 0,
      }),
      figure(
        'ingest.commitRatio',
        `relay commits-of-${COMMIT_EVENTS} events/s / redis-benchmark pipelined XADD ops/s`,
        round(commitRatio),
        '',
        { text: `≥ ${COMMIT_RATIO_TARGET} (issue 4 target)`, met: commitRatio >= COMMIT_RATIO_TARGET },
      ),
      figure(
        'ingest.singleRatio',
        'relay single-event req/s / bare node:http + XADD req/s',
        round(singleRatio),
        '',
        { text: `≥ ${SINGLE_RATIO_TARGET} (issue 4 target)`, met: singleRatio >= SINGLE_RATIO_TARGET },
      ),
      figure(
        'ingest.singleCpuUs',
        'relay CPU per single-event POST',
        round(med(rounds, (r) => cpuPerRequestUs(r.single))),
        'µs',
      ),
      figure(
        'ingest.bareCpuUs',
        'bare peer CPU per POST',
        round(med(rounds, (r) => cpuPerRequestUs(r.bare))),
        'µs',
      ),
      figure(
        'ingest.koaCpuUs',
        'Koa + XADD peer CPU per POST',
        round(med(rounds, (r) => cpuPerRequestUs(r.koa))),
        'µs',
      ),
      figure(
        'ingest.commitCpuUsPerEvent',
        `relay CPU per event, commits of ${COMMIT_EVENTS}`,
        round(med(rounds, (r) => cpuPerRequestUs(r.commits) / COMMIT_EVENTS)),
        'µs',
      ),
    ],
    tables: [
      {
        title: 'Rounds (req/s, with p50 / p99 latency in ms)',
        columns: [
          'round',
          `redis-benchmark -P ${BENCHMARK_PIPELINE} ops/s`,
          'redis-benchmark -P 1 ops/s',
          'bare node:http + XADD',
          'Koa + XADD',
          'relay single events',
          `relay commits of ${COMMIT_EVENTS}`,
          'relay commit events/s',
          'errors',
        ],
        rows: rounds.map(roundRow),
      },
    ],
    notes: [
      `${rounds.length} rounds, each: redis-benchmark \`XADD <key> * f v\` (${BENCHMARK_CLIENTS} clients, \`-P ${BENCHMARK_PIPELINE}\`, then \`-P 1\`; a key of its own, deleted after), then ${setup.seconds} s each of the bare peer, the Koa peer, the relay with single events and the relay with commits of ${COMMIT_EVENTS}; medians reported, after a warm-up. Redis is the bench's (AOF, appendfsync always): pipelining matters because Redis writes and fsyncs the AOF once per event-loop pass, for every command it read in that pass.`,
      `One load process (raw node:http, keep-alive), ${setup.concurrency} requests in flight, the same for the relay and the bare peer; bodies prebuilt: a FEATURE_UPDATED event of ${first?.single.result.bodyBytes ?? '?'} bytes (answer ${first?.single.result.responseBytes ?? '?'} bytes from the relay, ${first?.bare.result.responseBytes ?? '?'} from the bare peer), or a commit of ${COMMIT_EVENTS} such events with an author (${first?.commits.result.bodyBytes ?? '?'} bytes).`,
      'The bare peer (scripts/bench/peers/bare-xadd.ts) reads the body and appends it as is, one `XADD * b <body>` on one ioredis connection, and answers 201 with the entry id: no framework, no authentication, no validation, no idempotency, no retention trimming, one field instead of four. The Koa peer (peers/koa-xadd.ts) does the same behind Koa and @koa/router, the stack the relay is built on: the difference between the two is what the framework costs. The relay does all of the rest, appends through its Lua script, answers with the stored events, and reads each event back twice (its SSE tail reader and its webhook dispatcher).',
      `Server and Redis CPU (CPU s per wall s), medians: bare peer ${round(med(rounds, (r) => r.bare.serverCpu))} + Redis ${round(med(rounds, (r) => r.bare.redisCpu))}; Koa peer ${round(med(rounds, (r) => r.koa.serverCpu))} + Redis ${round(med(rounds, (r) => r.koa.redisCpu))}; relay single events ${round(med(rounds, (r) => r.single.serverCpu))} + Redis ${round(med(rounds, (r) => r.single.redisCpu))}; relay commits ${round(med(rounds, (r) => r.commits.serverCpu))} + Redis ${round(med(rounds, (r) => r.commits.redisCpu))}. The load process, the server and Redis share the same cores.`,
      ...(samples.length > 0
        ? [`Relay error samples: ${[...new Set(samples)].slice(0, 5).join(' | ')}`]
        : []),
    ],
    details: { rounds },
  };
}
