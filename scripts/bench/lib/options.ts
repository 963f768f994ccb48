import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Events appended, then replayed from Last-Event-Id. */
  readonly replayEvents: number;
  /** Replay and raw XRANGE measurements, interleaved; the median is reported. */
  readonly replayRuns: number;
  /** Commits published (one delivery each) in the full-rate webhook run, and again in the backlog run. */
  readonly webhookDeliveries: number;
  /** WEBHOOK_CONCURRENCY of the one delivery worker process. */
  readonly webhookConcurrency: number;
  /** When set, the delivery worker runs with `--cpu-prof` and writes its profile into this directory. */
  readonly workerCpuProf: string | undefined;
  /** Directory of the results files. */
  readonly outDir: string;
  /** Build dist/ first when it is missing or older than src/. */
  readonly build: boolean;
  /** Wait (at most 15 min) until the 1-minute load average is below this before starting. */
  readonly waitLoad: number | undefined;
  /** Scenarios to run (names as in run.ts); undefined: all of them. */
  readonly only: string[] | undefined;
  /** When set, each relay process runs with `--cpu-prof` and writes its profile into this directory. */
  readonly relayCpuProf: string | undefined;
  /** Fan-out: concurrent SSE clients of the relay (and of the raw ceiling), one step each. */
  readonly fanoutSizes: number[];
  /** Fan-out: the same steps against the naive peer (one Redis connection per client). */
  readonly fanoutNaiveSizes: number[];
  /** Fan-out: seconds each step publishes for. */
  readonly fanoutSeconds: number;
  /** Fan-out: events published per second in every step. */
  readonly fanoutRate: number;
  /** Fan-out: processes the SSE clients are spread over. */
  readonly fanoutProcs: number;
  /** Ingest: seconds each load run lasts (at most). */
  readonly ingestSeconds: number;
  /** Ingest: rounds of (bare peer, relay single events, relay commits, redis-benchmark); medians reported. */
  readonly ingestRuns: number;
  /** Ingest: requests in flight at once, against the relay and the bare node:http peer alike. */
  readonly ingestConcurrency: number;
}

const USAGE = `npm run bench -- [options]
  --replay-events N          events appended and replayed from Last-Event-Id (default 200000)
  --replay-runs N            replay and raw XRANGE runs, median reported (default 3)
  --webhook-deliveries N     commits published to one webhook at full rate, and again as a backlog (default 5000)
  --webhook-concurrency N    WEBHOOK_CONCURRENCY of the one delivery worker process (default 100)
  --worker-cpu-prof DIR      run the delivery worker with --cpu-prof; its profile is written into DIR
  --out DIR                  results directory (default bench/results)
  --no-build                 do not rebuild dist/ even when it is older than src/
  --wait-load L              first wait (at most 15 min) for the 1-minute load average to fall below L
  --only A,B                 run only these scenarios, by name (e.g. fan-out or replay,redis-cost)
  --relay-cpu-prof DIR       run the relay with --cpu-prof; each relay process (fan-out restarts it) writes its
                             profile into DIR when it stops
  --fanout-sizes A,B,C       fan-out: SSE clients of one relay process, a step each (default 100,1000,10000)
  --fanout-naive-sizes A,B   fan-out: the same against the naive peer (default 100,1000)
  --fanout-seconds S         fan-out: seconds each step publishes for (default 10)
  --fanout-rate R            fan-out: events published per second (default 10)
  --fanout-procs N           fan-out: client processes the connections are spread over (default 4)
  --ingest-seconds S         ingest: seconds each load run lasts at most (default 5)
  --ingest-runs N            ingest: rounds of relay, bare node:http peer and redis-benchmark runs (default 3)
  --ingest-concurrency N     ingest: requests in flight at once (default 32)`;

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}\n\n${USAGE}`);
  return value;
}

function sizes(name: string, text: string | undefined, fallback: number[], max: number): number[] {
  if (text === undefined) return fallback;
  const list = text.split(',').map((t) => positive(name, t.trim(), 0, max));
  return [...new Set(list)].sort((a, b) => a - b);
}

function load(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--wait-load must be a positive number\n\n${USAGE}`);
  return value;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'replay-events': { type: 'string' },
      'replay-runs': { type: 'string' },
      'webhook-deliveries': { type: 'string' },
      'webhook-concurrency': { type: 'string' },
      'worker-cpu-prof': { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean' },
      'wait-load': { type: 'string' },
      only: { type: 'string' },
      'relay-cpu-prof': { type: 'string' },
      'fanout-sizes': { type: 'string' },
      'fanout-naive-sizes': { type: 'string' },
      'fanout-seconds': { type: 'string' },
      'fanout-rate': { type: 'string' },
      'fanout-procs': { type: 'string' },
      'ingest-seconds': { type: 'string' },
      'ingest-runs': { type: 'string' },
      'ingest-concurrency': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    replayEvents: positive('replay-events', values['replay-events'], 200_000, 5_000_000),
    replayRuns: positive('replay-runs', values['replay-runs'], 3, 20),
    webhookDeliveries: positive('webhook-deliveries', values['webhook-deliveries'], 5000, 200_000),
    webhookConcurrency: positive('webhook-concurrency', values['webhook-concurrency'], 100, 1000),
    workerCpuProf: values['worker-cpu-prof'],
    outDir: values.out ?? 'bench/results',
    build: !values['no-build'],
    waitLoad: load(values['wait-load']),
    only: values.only?.split(',').map((s) => s.trim()),
    relayCpuProf: values['relay-cpu-prof'],
    fanoutSizes: sizes('fanout-sizes', values['fanout-sizes'], [100, 1000, 10_000], 18_000),
    fanoutNaiveSizes: sizes('fanout-naive-sizes', values['fanout-naive-sizes'], [100, 1000], 9000),
    fanoutSeconds: positive('fanout-seconds', values['fanout-seconds'], 10, 120),
    fanoutRate: positive('fanout-rate', values['fanout-rate'], 10, 1000),
    fanoutProcs: positive('fanout-procs', values['fanout-procs'], 4, 16),
    ingestSeconds: positive('ingest-seconds', values['ingest-seconds'], 5, 120),
    ingestRuns: positive('ingest-runs', values['ingest-runs'], 3, 20),
    ingestConcurrency: positive('ingest-concurrency', values['ingest-concurrency'], 32, 1000),
  };
}
