/**
 * `npm run bench`: starts a fresh Redis and the built relay, runs the scenarios one after the other, stops every
 * process it started, and writes bench/results/<date>.md and .json. Progress goes to stderr.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relayKeys } from '../../src/redis/keys.js';
import { build, isStale } from './lib/build.js';
import { waitForLoadBelow } from './lib/machine.js';
import { type BenchOptions, parseOptions } from './lib/options.js';
import { stopAll, stopAllOnSignal } from './lib/processes.js';
import { progress } from './lib/progress.js';
import { type BenchRedis, REDIS_SETTINGS, startRedis } from './lib/redis-server.js';
import { type BenchRelay, type RelayLaunch, startRelay } from './lib/relay-process.js';
import type { Report, Section } from './lib/report.js';
import { sourceRevision } from './lib/revision.js';
import { runHeader, startRun } from './lib/run-header.js';
import { writeReport } from './lib/write-report.js';
import type { BenchContext } from './scenarios/context.js';
import { fanOut } from './scenarios/fan-out.js';
import { ingest } from './scenarios/ingest.js';
import { redisCost } from './scenarios/redis-cost.js';
import { replay } from './scenarios/replay.js';
import { webhooks } from './scenarios/webhooks.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const RELAY_ENTRY = join(root, 'dist/src/server.js');
const WORKER_ENTRY = join(root, 'dist/workers/delivery-worker.js');
const KEY_PREFIX = 'bench';

/** Figures quoted in the summary at the top of the results. */
const HEADLINE = [
  'replay.rate',
  'replay.firstEventMs',
  'replay.rawXrangeRate',
  'replay.rawXrangeRedisRate',
  'replay.ratio',
  'ingest.xaddPipelinedRate',
  'ingest.bareRate',
  'ingest.singleRate',
  'ingest.commitRate',
  'ingest.commitRatio',
  'ingest.singleRatio',
  'ingest.errors',
  'fanout.p99',
  'fanout.lost',
  'fanout.rssPerConnection',
  'fanout.rssPerConnectionMarginal',
  'fanout.redisClients',
  'fanout.redisCpuRatio',
  'fanout.p99Relay',
  'fanout.p99Naive',
  'fanout.rawP99',
  'fanout.rawDeliveryRate',
  'webhooks.rate',
  'webhooks.drainRate',
  'webhooks.fullP50',
  'webhooks.fullP99',
  'webhooks.lowP50',
  'webhooks.lowP99',
  'webhooks.directP50',
  'webhooks.lowAddedP50',
  'webhooks.duplicates',
  'webhooks.lost',
  'webhooks.workerCpuPerSecond',
];

/** The scenarios, in the order they run; each leaves no client connected behind it. */
const SCENARIOS: ((ctx: BenchContext) => Promise<Section>)[] = [replay, ingest, webhooks, fanOut, redisCost];

/** A scenario's name for `--only`: its function's name in kebab case (`fanOut` → `fan-out`). */
function scenarioName(scenario: (ctx: BenchContext) => Promise<Section>): string {
  return scenario.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function relayEnv(options: BenchOptions): Record<string, string> {
  return {
    EVENTS_MAX_LENGTH: String(Math.max(1_000_000, options.replayEvents * 2)),
    // the webhook scenario's receiver is on 127.0.0.1: registering it needs private addresses allowed
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  stopAllOnSignal();
  if (options.waitLoad !== undefined) {
    const max = options.waitLoad;
    const calm = await waitForLoadBelow(max, 15 * 60_000, (load) =>
      progress(`waiting for the 1-min load average (${load}) to fall below ${max}`),
    );
    if (!calm) progress(`the load average stayed above ${max} for 15 min: running anyway`);
  }
  const start = startRun();
  const { machine, load: loadStart } = start;
  // read before the build, so that a change made to src/ while the run goes on is not counted as measured
  const source = sourceRevision(root);
  progress(
    `machine: ${machine.cores} cores, node ${machine.node}, redis ${machine.redisServer}; load ${loadStart.join(' ')}`,
  );
  if (loadStart[0] > machine.cores * 0.75)
    progress(
      `WARNING: the machine is busy (1-min load ${loadStart[0]} on ${machine.cores} cores): figures will be noisy`,
    );
  if (
    options.build &&
    (isStale(RELAY_ENTRY, join(root, 'src')) ||
      isStale(WORKER_ENTRY, join(root, 'src')) ||
      isStale(WORKER_ENTRY, join(root, 'workers')))
  ) {
    progress('dist/ is missing or older than src/ or workers/: npm run build');
    build(root);
  }

  let redis: BenchRedis | undefined;
  let relay: BenchRelay | undefined;
  const sections: Section[] = [];
  try {
    redis = await startRedis();
    progress(`redis-server pid ${redis.pid} on ${redis.url} (AOF appendfsync always, data in ${redis.dir})`);
    const launch: RelayLaunch = {
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      entry: RELAY_ENTRY,
      env: relayEnv(options),
      cpuProfDir: options.relayCpuProf,
    };
    relay = await startRelay(launch);
    progress(`relay pid ${relay.pid} on ${relay.baseUrl}`);
    const ctx: BenchContext = {
      options,
      redis,
      relay,
      freshRelay: async () => {
        await ctx.relay.stop();
        relay = undefined;
        relay = await startRelay(launch);
        ctx.relay = relay;
        progress(`relay restarted for a fresh heap: pid ${relay.pid} on ${relay.baseUrl}`);
        return relay;
      },
      stream: relayKeys(KEY_PREFIX).events,
      keys: relayKeys(KEY_PREFIX),
      keyPrefix: KEY_PREFIX,
      workerEntry: WORKER_ENTRY,
      clientScript: (name) => join(here, 'clients', `${name}.ts`),
    };
    const unknown = (options.only ?? []).filter((name) => !SCENARIOS.some((s) => scenarioName(s) === name));
    if (unknown.length > 0)
      throw new Error(
        `--only: no scenario ${unknown.join(', ')} (${SCENARIOS.map(scenarioName).join(', ')})`,
      );
    for (const scenario of SCENARIOS)
      if (!options.only || options.only.includes(scenarioName(scenario))) sections.push(await scenario(ctx));
  } catch (err) {
    if (relay) process.stderr.write(`--- relay output (last lines) ---\n${relay.output()}\n`);
    throw err;
  } finally {
    await relay?.stop();
    await redis?.stop();
    await stopAll();
    progress('stopped the relay, redis-server and every client process');
  }

  const report: Report = {
    ...runHeader(start),
    setup: {
      source,
      redis: `fresh redis-server ${machine.redisServer} on loopback, ${JSON.stringify(REDIS_SETTINGS)} (AOF, fsync on every write, as in production)`,
      relay: `node dist/src/server.js (one process), env ${JSON.stringify(relay?.settings)}`,
      worker:
        'node dist/workers/delivery-worker.js (one process, started by the webhook scenario; env in its notes)',
      clients: 'separate Node processes (scripts/bench/clients/), raw node:http, loopback only',
    },
    options: { ...options },
    sections,
    headline: HEADLINE,
  };
  const files = writeReport(report, resolve(root, options.outDir));
  progress(`results: ${files.join(', ')}`);
  for (const section of sections) {
    const failed = section.figures.filter((f) => f.met === false);
    for (const f of failed)
      progress(`NOT MET: ${section.title}: ${f.label} = ${f.value} ${f.unit} (goal ${f.goal})`);
  }
}

main().catch(async (err: Error) => {
  process.stderr.write(`[bench] failed: ${err.stack ?? err.message}\n`);
  await stopAll();
  process.exit(1);
});
