/**
 * Soak: moderate mixed load on a relay process and a delivery worker process for `--minutes` (default 10) —
 * publishes, SSE listeners that resume now and then, a webhook to a receiver, API key CRUD — sampling both
 * processes' RSS and V8 heap. Reports memory over time with least-squares slopes after a warm-up (pass: no
 * significant upward slope), event and delivery counts, and errors; writes docs/soak/<date>.md and .json.
 * `npm run chaos:soak -- --minutes 10`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliveryJobId } from '../../src/webhooks/delivery-job.js';
import { eventsPath, Publisher, settle, sleep } from '../../test/helpers/e2e-kit.js';
import { tallyDeliveries } from '../../test/helpers/fault-tally.js';
import { startRig } from '../../test/helpers/faults/process-rig.js';
import { type MemorySample, readMemory, slope } from '../../test/helpers/process-memory.js';
import { answer } from '../../test/helpers/receiver.js';
import { commitsOf, storedEvents } from '../../test/helpers/stream-entries.js';
import { keyHeaders } from '../../test/helpers/test-relay.js';
import { runChaos } from './lib/chaos-run.js';
import { CountingListener } from './lib/counting-listener.js';

const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = resolve(here, '../../docs/soak');

interface Series {
  readonly name: string;
  readonly samples: MemorySample[];
}

/** Slope (MiB/min) and projected growth over the window after warm-up, against the mean there. */
function trend(samples: readonly MemorySample[], field: 'rss' | 'heapUsed', warmupMs: number) {
  const after = samples.filter((s) => s.t >= warmupMs);
  const points = after.map((s) => ({ x: s.t / 60_000, y: s[field] / MiB }));
  const perMin = slope(points);
  const minutes = points.length > 1 ? (points[points.length - 1]?.x ?? 0) - (points[0]?.x ?? 0) : 0;
  const mean = points.reduce((n, p) => n + p.y, 0) / Math.max(1, points.length);
  const growth = perMin * minutes;
  return {
    slopeMiBPerMin: +perMin.toFixed(3),
    growthMiB: +growth.toFixed(1),
    meanMiB: +mean.toFixed(1),
    growthPct: +((100 * growth) / Math.max(1, mean)).toFixed(1),
    minMiB: +Math.min(...points.map((p) => p.y)).toFixed(1),
    maxMiB: +Math.max(...points.map((p) => p.y)).toFixed(1),
  };
}

await runChaos(
  'soak',
  'Mixed moderate load for a while; memory of the relay and the worker sampled; results in docs/soak/.',
  {
    minutes: { default: 10, help: 'how long the load runs' },
    'warmup-minutes': { default: 2, help: 'samples before this are left out of the slopes' },
    'sample-s': { default: 5, help: 'seconds between memory samples' },
    listeners: { default: 20, help: 'SSE listeners (one resumes every few seconds)' },
    'publish-pause-ms': { default: 25, help: 'pause between publish requests' },
    'max-growth-pct': {
      default: 10,
      help: 'pass if the growth after warm-up stays under this % of the mean',
    },
  },
  async (flags, progress) => {
    const durationMs = flags.minutes * 60_000;
    const warmupMs = flags['warmup-minutes'] * 60_000;
    const startedAt = new Date();
    const load = { start: loadavg().map((l) => +l.toFixed(2)), end: [] as number[] };
    const rig = await startRig({ receiver: answer(200, 'ok') });
    const listeners: CountingListener[] = [];
    let publisher: Publisher | undefined;
    try {
      const relay = await rig.startRelay();
      const worker = await rig.startWorker();
      const workerUrl = `http://127.0.0.1:${worker.startLine.port as number}`;
      // a process that dies during the soak ends it early, and its exit and last output are reported
      const exits: string[] = [];
      for (const [name, p] of [
        ['relay', relay],
        ['worker', worker],
      ] as const) {
        const stderr: string[] = [];
        p.child.stderr?.on('data', (d) => stderr.push(String(d)));
        p.child.once('exit', (code, signal) => {
          exits.push(
            `${name} exited (code ${code}, signal ${signal}); last log lines:\n${p.lines.slice(-10).join('\n')}\n${stderr.join('').slice(-4000)}`,
          );
        });
      }
      const hookId = await rig.hook(relay, 'soak');
      for (let i = 0; i < flags.listeners; i++) {
        const l = new CountingListener(`${relay.baseUrl}${eventsPath('soak')}`, rig.admin);
        await l.connect();
        listeners.push(l);
      }
      const errors = { keyCrud: [] as string[], samples: [] as string[], resumes: [] as string[] };
      const series: Series[] = [
        { name: 'relay', samples: [] },
        { name: 'worker', samples: [] },
      ];
      const t0 = Date.now();
      const sample = async () => {
        const t = Date.now() - t0;
        for (const [s, url] of [
          [series[0], relay.baseUrl],
          [series[1], workerUrl],
        ] as const) {
          s?.samples.push(await readMemory(url, t));
        }
      };
      await sample();
      publisher = new Publisher({
        target: () => relay.baseUrl,
        creds: rig.admin,
        total: Number.MAX_SAFE_INTEGER,
        maxRequests: Number.MAX_SAFE_INTEGER,
        keyPrefix: 'soak',
        pauseMs: flags['publish-pause-ms'],
      });
      publisher.start();

      let keyOps = 0;
      const crud = async (n: number) => {
        const base = `${relay.baseUrl}/api/apikeys`;
        const headers = { ...keyHeaders(rig.admin), 'Content-Type': 'application/json' };
        const id = `soak-key-${n}`;
        const steps: [string, () => Promise<Response>, number][] = [
          [
            'create',
            () =>
              fetch(base, {
                method: 'POST',
                headers,
                body: JSON.stringify({ clientId: id, name: 'soak', authorizedPattern: 'soak:*' }),
              }),
            201,
          ],
          ['get', () => fetch(`${base}/${id}`, { headers }), 200],
          [
            'update',
            () =>
              fetch(`${base}/${id}`, {
                method: 'PUT',
                headers,
                body: JSON.stringify({ name: 'soak 2', authorizedPattern: 'soak:a*' }),
              }),
            200,
          ],
          ['delete', () => fetch(`${base}/${id}`, { method: 'DELETE', headers }), 204],
        ];
        for (const [what, call, want] of steps) {
          const res = await call();
          await res.arrayBuffer();
          keyOps += 1;
          if (res.status !== want) errors.keyCrud.push(`${what} ${id}: ${res.status}`);
        }
      };

      let nextSample = t0 + flags['sample-s'] * 1000;
      let nextResume = t0 + 3000;
      let nextCrud = t0 + 2000;
      let resumes = 0;
      let n = 0;
      while (Date.now() - t0 < durationMs && exits.length === 0) {
        const now = Date.now();
        if (now >= nextSample) {
          nextSample += flags['sample-s'] * 1000;
          await sample().catch((err: Error) => errors.samples.push(err.message));
          const r = series[0]?.samples.at(-1);
          const w = series[1]?.samples.at(-1);
          if (series[0]?.samples.length && series[0].samples.length % 12 === 0) {
            progress(
              `${Math.round((now - t0) / 1000)} s: acked ${publisher.acked.length}, delivered ${rig.receiver.succeeded().length}, ` +
                `relay ${((r?.rss ?? 0) / MiB).toFixed(0)}/${((r?.heapUsed ?? 0) / MiB).toFixed(0)} MiB, ` +
                `worker ${((w?.rss ?? 0) / MiB).toFixed(0)}/${((w?.heapUsed ?? 0) / MiB).toFixed(0)} MiB (RSS/heap)`,
            );
          }
        }
        if (now >= nextResume) {
          nextResume = now + 2000 + Math.floor(Math.random() * 4000);
          await listeners[resumes % listeners.length]
            ?.reconnect()
            .catch((err: Error) => errors.resumes.push(err.message));
          resumes += 1;
        }
        if (now >= nextCrud) {
          nextCrud = now + 2000;
          await crud(n++).catch((err: Error) => errors.keyCrud.push(err.message));
        }
        await sleep(100);
      }
      const loadMs = Date.now() - t0;
      await publisher.stop();
      if (exits.length === 0) await sample().catch((err: Error) => errors.samples.push(err.message));
      for (const exit of exits) progress(exit);
      load.end = loadavg().map((l) => +l.toFixed(2));
      progress('load stopped; waiting for listeners and deliveries to catch up');

      const stored = await storedEvents(rig.redis.client, rig.prefix, 'soak');
      const lastId = Math.max(...stored.map((e) => e.id));
      const caughtUp = await settle(() => listeners.every((l) => l.lastId >= lastId), 60_000);
      const expected = [...commitsOf(stored).keys()].map((commit) => deliveryJobId(hookId, commit));
      await settle(() => tallyDeliveries(rig.receiver.requests, expected).lost === 0, 60_000);
      const deliveries = tallyDeliveries(rig.receiver.requests, expected);
      const listenerLost = listeners.reduce(
        (sum, l) => sum + Math.max(0, stored.length - (l.received - l.notIncreasing)),
        0,
      );
      const notIncreasing = listeners.reduce((sum, l) => sum + l.notIncreasing, 0);
      const ackedSet = new Set(stored.map((e) => e.id));
      const ackedNotStored = publisher.ackedIds.filter((id) => !ackedSet.has(id)).length;

      const memory = Object.fromEntries(
        series.map((s) => [
          s.name,
          { rss: trend(s.samples, 'rss', warmupMs), heapUsed: trend(s.samples, 'heapUsed', warmupMs) },
        ]),
      );
      const failures: string[] = [];
      for (const [name, m] of Object.entries(memory)) {
        for (const [field, t] of Object.entries(m)) {
          if (t.growthPct >= flags['max-growth-pct'])
            failures.push(`${name} ${field} grew ${t.growthPct}% (${t.growthMiB} MiB) after warm-up`);
        }
      }
      failures.push(...exits.map((e) => e.split('\n')[0] as string));
      if (loadMs < durationMs) failures.push(`the load ended after ${Math.round(loadMs / 1000)} s`);
      if (!caughtUp) failures.push('listeners did not catch up within 60 s');
      if (notIncreasing > 0) failures.push(`${notIncreasing} SSE events repeated or out of order`);
      const listenerErrors = listeners.flatMap((l) => l.errors);
      const summary = {
        published: publisher.published,
        acked: publisher.acked.length,
        received: listeners.reduce((s, l) => s + l.received, 0),
        delivered: deliveries.delivered,
        lost: ackedNotStored + listenerLost + deliveries.lost,
        duplicates: notIncreasing + deliveries.duplicates,
      };
      const details = {
        minutes: flags.minutes,
        memory,
        stored: stored.length,
        commits: expected.length,
        publishFailures: publisher.failed.length,
        listenerResumes: resumes,
        listenerConnections: listeners.reduce((s, l) => s + l.connections, 0),
        listenerErrors: listenerErrors.length + errors.resumes.length,
        apiKeyOperations: keyOps,
        apiKeyErrors: errors.keyCrud.length,
        sampleErrors: errors.samples.length,
        webhookDuplicates: deliveries.duplicates,
      };
      writeResults({
        startedAt,
        flags,
        load,
        summary,
        details,
        failures,
        series,
        listenerErrors,
        errors,
        exits,
      });
      return { summary, details: { ...details, results: OUT_DIR }, failures };
    } finally {
      for (const l of listeners) l.close();
      await publisher?.stop();
      await rig.close();
    }
  },
);

function writeResults(run: {
  startedAt: Date;
  flags: Record<string, number>;
  load: { start: number[]; end: number[] };
  summary: Record<string, number>;
  details: Record<string, unknown> & { memory: Record<string, Record<string, ReturnType<typeof trend>>> };
  failures: string[];
  series: Series[];
  listenerErrors: string[];
  errors: { keyCrud: string[]; samples: string[]; resumes: string[] };
  /** Processes that died during the run, with their last output. */
  exits: string[];
}): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const date = run.startedAt.toISOString().slice(0, 16).replace(':', '-');
  const json = join(OUT_DIR, `${date}.json`);
  writeFileSync(
    json,
    `${JSON.stringify(
      {
        ...run,
        machine: { cores: cpus().length, node: process.version },
        series: run.series.map((s) => ({
          name: s.name,
          samples: s.samples.map((m) => ({
            t: m.t,
            rssMiB: +(m.rss / MiB).toFixed(2),
            heapMiB: +(m.heapUsed / MiB).toFixed(2),
          })),
        })),
        listenerErrors: run.listenerErrors.slice(0, 50),
        errors: {
          keyCrud: run.errors.keyCrud.slice(0, 50),
          samples: run.errors.samples.slice(0, 50),
          resumes: run.errors.resumes.slice(0, 50),
        },
      },
      null,
      2,
    )}\n`,
  );
  const mem = run.details.memory;
  const rows = Object.entries(mem).flatMap(([name, m]) =>
    Object.entries(m).map(
      ([field, t]) =>
        `| ${name} | ${field === 'rss' ? 'RSS' : 'V8 heap used'} | ${t.minMiB} – ${t.maxMiB} | ${t.meanMiB} | ${t.slopeMiBPerMin} | ${t.growthMiB} (${t.growthPct}%) |`,
    ),
  );
  const every = Math.max(1, Math.round(60 / (run.flags['sample-s'] ?? 5)));
  const relay = run.series[0]?.samples ?? [];
  const worker = run.series[1]?.samples ?? [];
  const overTime = relay
    .filter((_, i) => i % every === 0 || i === relay.length - 1)
    .map((s) => {
      const w = worker[relay.indexOf(s)];
      return `| ${(s.t / 60_000).toFixed(1)} | ${(s.rss / MiB).toFixed(1)} | ${(s.heapUsed / MiB).toFixed(1)} | ${((w?.rss ?? 0) / MiB).toFixed(1)} | ${((w?.heapUsed ?? 0) / MiB).toFixed(1)} |`;
    });
  const s = run.summary;
  const d = run.details;
  const md = [
    `# Soak — ${date}`,
    '',
    `\`npm run chaos:soak -- --minutes ${run.flags.minutes}\` (scripts/chaos/soak.ts), started ${run.startedAt.toISOString()}.`,
    `Machine: ${cpus().length} cores shared with other work (load average ${run.load.start.join(' / ')} at start, ${run.load.end.join(' / ')} at end), Node ${process.version}.`,
    '',
    `Load: one publisher (a request every ${run.flags['publish-pause-ms']} ms, single events and small commits), ${run.flags.listeners} SSE listeners (one of them dropping its connection and resuming with Last-Event-Id every 2–6 s), one webhook to a local receiver, API key create/get/update/delete every 2 s. One relay process, one worker process, one Redis (AOF, fsync always).`,
    '',
    `**${run.failures.length === 0 ? 'PASS' : `FAIL: ${run.failures.join('; ')}`}**`,
    '',
    '## Counts',
    '',
    '| published | acknowledged | received (all listeners) | delivered | lost | duplicates |',
    '|---|---|---|---|---|---|',
    `| ${s.published} | ${s.acked} | ${s.received} | ${s.delivered} of ${d.commits} commits | ${s.lost} | ${s.duplicates} (webhook ${d.webhookDuplicates}) |`,
    '',
    `Publish failures ${d.publishFailures}; listener resumes ${d.listenerResumes} (${d.listenerConnections} connections, ${d.listenerErrors} errors); API key operations ${d.apiKeyOperations} (${d.apiKeyErrors} errors); memory samples failed ${d.sampleErrors}.`,
    '',
    `## Memory after the ${run.flags['warmup-minutes']}-minute warm-up`,
    '',
    `Least-squares slope over the samples after warm-up; pass if the growth it projects over that window stays under ${run.flags['max-growth-pct']}% of the mean.`,
    '',
    '| process | measure | range MiB | mean MiB | slope MiB/min | growth over the window MiB |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Memory over time (MiB)',
    '',
    '| minute | relay RSS | relay heap | worker RSS | worker heap |',
    '|---|---|---|---|---|',
    ...overTime,
    '',
    ...(run.exits.length > 0 ? ['## Processes that died', '', '```', ...run.exits, '```', ''] : []),
    `Every sample is in \`${date}.json\`.`,
    '',
  ].join('\n');
  writeFileSync(join(OUT_DIR, `${date}.md`), md);
}
