import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Concurrent idle SSE clients held by one relay process. */
  readonly clients: number;
  /** Processes the idle clients are spread over. */
  readonly clientProcs: number;
  /** Events published to the idle clients to check delivery. */
  readonly probeEvents: number;
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
}

const USAGE = `npm run bench -- [options]
  --clients N                idle SSE clients on one relay process (default 5000)
  --client-procs N           client processes they are spread over (default 2)
  --probe-events N           events published to check delivery to every idle client (default 5)
  --replay-events N          events appended and replayed from Last-Event-Id (default 100000)
  --replay-runs N            replay and raw XRANGE runs, median reported (default 3)
  --webhook-deliveries N     commits published to one webhook at full rate, and again as a backlog (default 5000)
  --webhook-concurrency N    WEBHOOK_CONCURRENCY of the one delivery worker process (default 100)
  --worker-cpu-prof DIR      run the delivery worker with --cpu-prof; its profile is written into DIR
  --out DIR                  results directory (default bench/results)
  --no-build                 do not rebuild dist/ even when it is older than src/
  --wait-load L              first wait (at most 15 min) for the 1-minute load average to fall below L`;

function positive(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}\n\n${USAGE}`);
  return value;
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
      clients: { type: 'string' },
      'client-procs': { type: 'string' },
      'probe-events': { type: 'string' },
      'replay-events': { type: 'string' },
      'replay-runs': { type: 'string' },
      'webhook-deliveries': { type: 'string' },
      'webhook-concurrency': { type: 'string' },
      'worker-cpu-prof': { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean' },
      'wait-load': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    clients: positive('clients', values.clients, 5000, 18_000),
    clientProcs: positive('client-procs', values['client-procs'], 2, 16),
    probeEvents: positive('probe-events', values['probe-events'], 5, 100),
    replayEvents: positive('replay-events', values['replay-events'], 100_000, 5_000_000),
    replayRuns: positive('replay-runs', values['replay-runs'], 3, 20),
    webhookDeliveries: positive('webhook-deliveries', values['webhook-deliveries'], 5000, 200_000),
    webhookConcurrency: positive('webhook-concurrency', values['webhook-concurrency'], 100, 1000),
    workerCpuProf: values['worker-cpu-prof'],
    outDir: values.out ?? 'bench/results',
    build: !values['no-build'],
    waitLoad: load(values['wait-load']),
  };
}
