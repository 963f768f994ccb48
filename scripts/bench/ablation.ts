/**
 * `npm run bench:ablation`: where a single-event publish's CPU goes. Runs, side by side in one run, the bare
 * node:http + XADD server and the Koa + XADD peer (the ingest scenario's ceilings), the relay as built, and
 * copies of its build with one more piece of a publish's work taken out at each step (ablation/steps.ts).
 * Writes bench/results/ablation/<date>.md and .json. Progress goes to stderr. About 3 minutes at the defaults.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { relayKeys } from '../../src/redis/keys.js';
import { type AblationRound, ablationSection, type RunCost, type TargetInfo } from './ablation/report.js';
import { ABLATION_STEPS } from './ablation/steps.js';
import { makeVariants } from './ablation/variants.js';
import type { LoadArgs, LoadResult } from './clients/ingest-load-api.js';
import { build, isStale } from './lib/build.js';
import { ClientProcess } from './lib/client-process.js';
import { featureEvent } from './lib/events.js';
import { cpuSeconds } from './lib/proc-stats.js';
import { stopAll, stopAllOnSignal } from './lib/processes.js';
import { progress } from './lib/progress.js';
import { redisCpuSeconds } from './lib/redis-info.js';
import { type BenchRedis, REDIS_SETTINGS, startRedis } from './lib/redis-server.js';
import { type BenchRelay, startRelay } from './lib/relay-process.js';
import { sourceRevision } from './lib/revision.js';
import { runHeader, startRun } from './lib/run-header.js';
import { writeReport } from './lib/write-report.js';
import type { BareXaddListening } from './peers/bare-xadd-api.js';
import { COMMIT_EVENTS } from './scenarios/ingest-report.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const USAGE = `npm run bench:ablation -- [--rounds N (default 5)] [--seconds S (default 4)] [--out DIR (default bench/results/ablation)] [--no-build]`;
const CONCURRENCY = 32;
const WARM_UP_MS = 1500;
const MAX_SINGLE_REQUESTS = 60_000;
const MAX_COMMIT_REQUESTS = 1000;
const PEERS = [
  { name: 'bare', peer: 'bare-xadd', what: 'bare node:http server, one XADD of the body per POST' },
  { name: 'koa', peer: 'koa-xadd', what: 'the same with Koa and @koa/router' },
] as const;

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '4' },
      out: { type: 'string', default: 'bench/results/ablation' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error(`--rounds: 1 to 50\n${USAGE}`);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60)
    throw new Error(`--seconds: 1 to 60\n${USAGE}`);
  return { rounds, seconds, out: values.out, build: !values['no-build'] };
}

interface Target {
  readonly info: TargetInfo;
  readonly pid: number;
  readonly args: Pick<LoadArgs, 'port' | 'path' | 'headers'>;
  /** Keys its runs append to, emptied after each run (so that no run meets a trim at the cap). */
  readonly streams: readonly string[];
}

async function main(): Promise<void> {
  const opts = options();
  stopAllOnSignal();
  const start = startRun();
  const { machine } = start;
  const source = sourceRevision(root);
  if (opts.build && isStale(join(root, 'dist/src/server.js'), join(root, 'src'))) {
    progress('dist/ is missing or older than src/: npm run build');
    build(root);
  }
  const variants = makeVariants(root, ABLATION_STEPS);
  progress(`variants: ${variants.map((v) => v.name).join(', ')}`);
  const singles = Array.from({ length: 64 }, (_, n) => JSON.stringify(featureEvent(n)));
  const commits = Array.from({ length: 8 }, (_, c) =>
    JSON.stringify({
      author: { name: 'bench', email: 'bench@example.com' },
      events: Array.from({ length: COMMIT_EVENTS }, (_, i) => featureEvent(c * COMMIT_EVENTS + i)),
    }),
  );
  let redis: BenchRedis | undefined;
  const relays: BenchRelay[] = [];
  const rounds: AblationRound[] = [];
  try {
    redis = await startRedis();
    const client: Redis = redis.client;
    const loader = await ClientProcess.start('ingest-load', join(here, 'clients/ingest-load.ts'));
    const targets: Target[] = [];
    for (const p of PEERS) {
      const proc = await ClientProcess.start(p.peer, join(here, 'peers', `${p.peer}.ts`));
      const stream = `ablation-peer:${p.name}`;
      const { port } = await proc.call<BareXaddListening>('listen', { redisUrl: redis.url, stream }, 10_000);
      const pid = proc.child.pid as number;
      targets.push({
        info: { name: p.name, what: p.what, relay: false },
        pid,
        args: { port, path: '/', headers: {} },
        streams: [stream],
      });
    }
    for (const [i, v] of variants.entries()) {
      const keyPrefix = `ablation${i}`;
      const relay = await startRelay({ redisUrl: redis.url, keyPrefix, entry: v.entry });
      relays.push(relay);
      const headers = {
        'Izanami-Client-Id': relay.admin.clientId,
        'Izanami-Client-Secret': relay.admin.clientSecret,
      };
      targets.push({
        info: { name: v.name, what: v.removes ?? 'the relay as built', relay: true },
        pid: relay.pid,
        args: { port: relay.port, path: '/api/events', headers },
        streams: [relayKeys(keyPrefix).events],
      });
    }
    const run = async (t: Target, commit: boolean, durationMs: number): Promise<RunCost> => {
      const args: LoadArgs = {
        ...t.args,
        bodies: commit ? commits : singles,
        eventsPerRequest: commit ? COMMIT_EVENTS : 1,
        concurrency: CONCURRENCY,
        maxRequests: commit ? MAX_COMMIT_REQUESTS : MAX_SINGLE_REQUESTS,
        durationMs,
        expectStatus: 201,
      };
      const [server0, loader0, redis0] = [
        cpuSeconds(t.pid),
        cpuSeconds(loader.child.pid as number),
        await redisCpuSeconds(client),
      ];
      const result = await loader.call<LoadResult>('load', args, durationMs + 60_000);
      const cost = {
        result,
        serverCpuS: cpuSeconds(t.pid) - server0,
        loaderCpuS: cpuSeconds(loader.child.pid as number) - loader0,
        redisCpuS: (await redisCpuSeconds(client)) - redis0,
      };
      for (const s of t.streams) await client.xtrim(s, 'MAXLEN', 0);
      if (result.errors > 0)
        progress(`${t.info.name}: ${result.errors} errors, e.g. ${result.errorSamples.join(' | ')}`);
      return cost;
    };
    progress(`warm-up: ${WARM_UP_MS} ms of each target`);
    for (const t of targets) {
      await run(t, false, WARM_UP_MS);
      if (t.info.relay) await run(t, true, WARM_UP_MS);
    }
    for (let r = 1; r <= opts.rounds; r++) {
      const order = r % 2 ? targets : [...targets].reverse();
      const round: AblationRound = { singles: {}, commits: {} };
      for (const t of order) round.singles[t.info.name] = await run(t, false, opts.seconds * 1000);
      for (const t of order)
        if (t.info.relay) round.commits[t.info.name] = await run(t, true, opts.seconds * 1000);
      rounds.push(round);
      progress(
        `round ${r}/${opts.rounds}: single POSTs/s ${targets.map((t) => `${t.info.name} ${Math.round(round.singles[t.info.name]?.result.requestRate ?? 0)}`).join(', ')}`,
      );
    }
  } catch (err) {
    for (const relay of relays)
      process.stderr.write(`--- relay ${relay.pid} (last lines) ---\n${relay.output()}\n`);
    throw err;
  } finally {
    for (const relay of relays) await relay.stop();
    await redis?.stop();
    await stopAll();
  }
  const targetInfos = [
    ...PEERS.map((p) => ({ name: p.name, what: p.what, relay: false })),
    ...variants.map((v) => ({ name: v.name, what: v.removes ?? 'the relay as built', relay: true })),
  ];
  const files = writeReport(
    {
      title: 'Ablation of a publish',
      command: 'npm run bench:ablation',
      ...runHeader(start),
      setup: {
        source,
        redis: `fresh redis-server ${machine.redisServer} on loopback, ${JSON.stringify(REDIS_SETTINGS)}`,
        relays: `${variants.length} processes (node <variant>/dist/src/server.js), one Redis key prefix each, the bench's relay environment (relays[].settings in the JSON)`,
        relaySettings: relays.map((r) => r.settings),
        clients: 'one load process (scripts/bench/clients/ingest-load.ts), raw node:http, loopback only',
      },
      options: opts,
      sections: [ablationSection(targetInfos, rounds, { seconds: opts.seconds, concurrency: CONCURRENCY })],
      headline: [],
    },
    resolve(root, opts.out),
  );
  progress(`results: ${files.join(', ')}`);
}

main().catch(async (err: Error) => {
  process.stderr.write(`[bench:ablation] failed: ${err.stack ?? err.message}\n`);
  await stopAll();
  process.exit(1);
});
