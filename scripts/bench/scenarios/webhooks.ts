import { Queue } from 'bullmq';
import { DELIVERY_QUEUE } from '../../../src/webhooks/delivery-job.js';
import type { DirectArgs, DirectResult } from '../clients/direct-post-api.js';
import type { PublishArgs, PublishResult } from '../clients/webhook-publisher-api.js';
import type { CollectArgs, CollectResult, ListenResult, Sample } from '../clients/webhook-receiver-api.js';
import { jobTimes } from '../lib/bull-jobs.js';
import { ClientProcess } from '../lib/client-process.js';
import { cpuSeconds } from '../lib/proc-stats.js';
import { progress, sleep, wallClockMs } from '../lib/progress.js';
import { redisCpuSeconds } from '../lib/redis-info.js';
import { figure, percentile, round, type Section } from '../lib/report.js';
import { type BenchWorker, startWorker } from '../lib/worker-process.js';
import { authHeaders, type BenchContext } from './context.js';

const RATE_GOAL = 2000;
const ADDED_P50_GOAL_MS = 5;
const HOOK_ID = 'bench-hook';
/** Requests in flight while publishing at full rate. */
const PUBLISH_IN_FLIGHT = 16;
const WARM_UP_COMMITS = 300;
/** The low-rate run and the direct baseline: one request every 20 ms (50/s), 200 of them. */
const LOW_RATE_PER_S = 50;
const LOW_RATE_COMMITS = 200;
/** After the last expected delivery, how long the receiver keeps listening for late duplicates. */
const QUIET_MS = 500;
/** The share of deliveries left out at each end for the steady rate. */
const RAMP = 0.1;

interface Run {
  readonly name: string;
  readonly published: number;
  readonly publishErrors: number;
  readonly publishErrorSamples: string[];
  readonly publishMs: number;
  /** When publishing started (wall-clock ms). */
  readonly startedAt: number;
  /** Published commits that reached the receiver. */
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly malformed: number;
  /** Requests whose events were not published in this run. */
  readonly unexpected: number;
  readonly timedOut: boolean;
  /** Per delivered commit: publish acknowledged (201) → received, ms. */
  readonly latencies: number[];
  /** First and last delivery received (wall-clock ms). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Deliveries per second, first to last received. */
  readonly rate: number;
  /** Deliveries per second between the 10 % and 90 % marks (ramp-up and tail left out). */
  readonly steadyRate: number;
  /** CPU used from the start of publishing to the end of the collection (last delivery + QUIET_MS). */
  readonly cpu: CpuUse;
  /** The readings at the end of the collection. */
  readonly cpuAfter: CpuUse;
  readonly receiverCpuMs: number;
  readonly publisherCpuMs: number;
  /** Where the time between append and receipt goes, from the jobs' own times: p50 and p99 per stage, ms. */
  readonly stages: Record<Stage, { p50: number; p99: number }>;
  /** Deliveries that took more than one attempt. */
  readonly retried: number;
}

const STAGES = {
  appendToAck: 'append → 201 read by the publisher',
  appendToEnqueued: 'append → job added (dispatcher)',
  enqueuedToActive: 'job added → taken by the worker',
  activeToReceived: 'taken → POST received',
  receivedToFinished: 'POST received → job completed',
} as const;
type Stage = keyof typeof STAGES;

interface CpuUse {
  readonly workerS: number;
  readonly relayS: number;
  readonly redisS: number;
}

/** Deliveries per second between the `RAMP` and `1 − RAMP` marks of the sorted receive times. */
function steadyRate(times: readonly number[]): number {
  if (times.length < 10) return Number.NaN;
  const lo = Math.floor(times.length * RAMP);
  const hi = Math.ceil(times.length * (1 - RAMP)) - 1;
  return ((hi - lo) / ((times[hi] as number) - (times[lo] as number))) * 1000;
}

function cpuDelta(after: CpuUse, before: CpuUse): CpuUse {
  return {
    workerS: after.workerS - before.workerS,
    relayS: after.relayS - before.relayS,
    redisS: after.redisS - before.redisS,
  };
}

/**
 * The stages of each delivery: the append time is the event id's millisecond (`_id` = ms × 1000 + seq), the
 * job's times are BullMQ's own (added, processedOn, finishedOn), the receipt is the receiver's clock.
 */
async function deliveryStages(
  ctx: BenchContext,
  pub: PublishResult,
  col: CollectResult,
): Promise<Pick<Run, 'stages' | 'retried'>> {
  const ackAt = new Map(pub.ids.map((id, i) => [id, pub.ackAt[i] as number]));
  const firsts = new Map<string, { at: number; id: number }>();
  for (const r of col.received) {
    const id = r.ids[0];
    if (id !== undefined && ackAt.has(id) && !firsts.has(r.webhookId))
      firsts.set(r.webhookId, { at: r.at, id });
  }
  const times = await jobTimes(ctx.redis.client, ctx.keys.bullPrefix, DELIVERY_QUEUE, [...firsts.keys()]);
  const values: Record<Stage, number[]> = {
    appendToAck: [],
    appendToEnqueued: [],
    enqueuedToActive: [],
    activeToReceived: [],
    receivedToFinished: [],
  };
  let retried = 0;
  for (const [webhookId, { at, id }] of firsts) {
    const job = times.get(webhookId);
    if (!job) continue;
    const appendedAt = Math.floor(id / 1000);
    values.appendToAck.push((ackAt.get(id) as number) - appendedAt);
    values.appendToEnqueued.push(job.addedAt - appendedAt);
    values.enqueuedToActive.push(job.processedOn - job.addedAt);
    values.activeToReceived.push(at - job.processedOn);
    values.receivedToFinished.push(job.finishedOn - at);
    if (job.attemptsMade > 1) retried += 1;
  }
  const summary = (v: number[]) => ({ p50: round(percentile(v, 50)), p99: round(percentile(v, 99)) });
  return {
    stages: {
      appendToAck: summary(values.appendToAck),
      appendToEnqueued: summary(values.appendToEnqueued),
      enqueuedToActive: summary(values.enqueuedToActive),
      activeToReceived: summary(values.activeToReceived),
      receivedToFinished: summary(values.receivedToFinished),
    },
    retried,
  };
}

function stagesText(run: Run): string {
  return (Object.keys(STAGES) as Stage[])
    .map((k) => `${STAGES[k]} ${run.stages[k].p50} / ${run.stages[k].p99}`)
    .join(', ');
}

function analyse(
  name: string,
  startedAt: number,
  pub: PublishResult,
  col: CollectResult,
  cpuBefore: CpuUse,
  cpuAfter: CpuUse,
  stages: Pick<Run, 'stages' | 'retried'>,
): Run {
  const ackAt = new Map(pub.ids.map((id, i) => [id, pub.ackAt[i] as number]));
  const firstReceipt = new Map<number, number>();
  let unexpected = 0;
  for (const r of col.received) {
    if (r.ids.length === 0 || r.ids.some((id) => !ackAt.has(id))) unexpected += 1;
    for (const id of r.ids) if (!firstReceipt.has(id)) firstReceipt.set(id, r.at);
  }
  const latencies: number[] = [];
  const times: number[] = [];
  for (const [id, acked] of ackAt) {
    const at = firstReceipt.get(id);
    if (at === undefined) continue;
    latencies.push(at - acked);
    times.push(at);
  }
  times.sort((a, b) => a - b);
  const firstAt = times[0] ?? Number.NaN;
  const lastAt = times[times.length - 1] ?? Number.NaN;
  return {
    name,
    published: pub.ids.length,
    publishErrors: pub.errors,
    publishErrorSamples: pub.errorSamples,
    publishMs: pub.ms,
    startedAt,
    delivered: times.length,
    lost: pub.ids.length - times.length,
    duplicates: col.duplicates,
    malformed: col.malformed,
    unexpected,
    timedOut: col.timedOut,
    latencies,
    firstAt,
    lastAt,
    rate: ((times.length - 1) / (lastAt - firstAt)) * 1000,
    steadyRate: steadyRate(times),
    cpu: cpuDelta(cpuAfter, cpuBefore),
    cpuAfter,
    receiverCpuMs: col.cpuMs,
    publisherCpuMs: pub.cpuMs,
    ...stages,
  };
}

function latencyText(latencies: readonly number[]): string {
  return `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`;
}

/**
 * Webhook deliveries with one delivery worker process (`node dist/workers/delivery-worker.js`) to a receiver
 * on loopback (its own process, answers 200 at once): commits published to the relay by a publisher process,
 * one delivery each (an Izanami webhook on the `Config` domain). Measured: deliveries per second at full rate
 * and from a backlog, publish (201) → receive latency at full and at a low rate, duplicates and losses, worker
 * CPU; and the same receiver POSTed to directly, one request at a time with the worker's own HTTP client, as
 * the baseline of what queueing adds.
 */
export async function webhooks(ctx: BenchContext): Promise<Section> {
  const n = ctx.options.webhookDeliveries;
  const concurrency = ctx.options.webhookConcurrency;
  const procs: ClientProcess[] = [];
  let worker: BenchWorker | undefined;
  // BullMQ leaves a connection it was given open: it is disconnected below
  const queueConnection = ctx.redis.client.duplicate({ connectionName: 'bench-queue' });
  const queue = new Queue(DELIVERY_QUEUE, { connection: queueConnection, prefix: ctx.keys.bullPrefix });
  try {
    const [receiver, publisher, direct] = await Promise.all([
      ClientProcess.start('webhook-receiver', ctx.clientScript('webhook-receiver')),
      ClientProcess.start('webhook-publisher', ctx.clientScript('webhook-publisher')),
      ClientProcess.start('direct-post', ctx.clientScript('direct-post')),
    ]);
    procs.push(receiver, publisher, direct);
    const { port } = await receiver.call<ListenResult>('listen', {}, 10_000);
    const callbackUrl = `http://127.0.0.1:${port}/hook`;
    worker = await startWorker({
      redisUrl: ctx.redis.url,
      keyPrefix: ctx.keyPrefix,
      entry: ctx.workerEntry,
      admin: ctx.relay.admin,
      env: {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_CONCURRENCY: String(concurrency),
      },
      cpuProfDir: ctx.options.workerCpuProf,
    });
    const workerPid = worker.pid;
    progress(
      `webhooks: receiver pid ${receiver.pid} on ${callbackUrl}, publisher pid ${publisher.pid}, direct poster pid ${direct.pid}, delivery worker pid ${workerPid} (concurrency ${concurrency})`,
    );
    await registerHook(ctx, callbackUrl);

    let first = 0;
    const publishAndCollect = async (
      name: string,
      count: number,
      pace: { concurrency: number } | { intervalMs: number },
      between?: () => Promise<void>,
    ): Promise<Run> => {
      await receiver.call('reset', {}, 10_000);
      const timeoutMs = 60_000 + count * 20;
      const args: PublishArgs = {
        port: ctx.relay.port,
        headers: authHeaders(ctx.relay),
        count,
        first,
        concurrency: 'concurrency' in pace ? pace.concurrency : 1,
        ...('intervalMs' in pace ? { intervalMs: pace.intervalMs } : {}),
        timeoutMs,
      };
      first += count;
      const before = await cpuNow(ctx, workerPid);
      const startedAt = wallClockMs();
      const pub = await publisher.call<PublishResult>('publish', args, timeoutMs + 10_000);
      if (between) await between();
      const collectArgs: CollectArgs = {
        eventIds: pub.ids,
        timeoutMs: 60_000 + count * 5,
        quietMs: QUIET_MS,
      };
      const col = await receiver.call<CollectResult>('collect', collectArgs, collectArgs.timeoutMs + 10_000);
      const after = await cpuNow(ctx, workerPid);
      const run = analyse(name, startedAt, pub, col, before, after, await deliveryStages(ctx, pub, col));
      progress(
        `webhooks: ${name}: ${run.published} published in ${Math.round(run.publishMs)} ms (${run.publishErrors} errors), ${run.delivered} delivered (lost ${run.lost}, duplicates ${run.duplicates}, unexpected ${run.unexpected}${run.timedOut ? ', TIMED OUT' : ''}), ${Math.round(run.rate)}/s first→last, ${Math.round(run.steadyRate)}/s steady; latency ${latencyText(run.latencies)}`,
      );
      progress(`webhooks: ${name}: stages p50 / p99 (ms): ${stagesText(run)}`);
      return run;
    };

    progress(`webhooks: warm-up (${WARM_UP_COMMITS} commits)`);
    const warm = await publishAndCollect('warm-up', WARM_UP_COMMITS, { concurrency: PUBLISH_IN_FLIGHT });

    const intervalMs = 1000 / LOW_RATE_PER_S;
    progress(
      `webhooks: direct POSTs to the receiver, one at a time, ${LOW_RATE_PER_S}/s (${LOW_RATE_COMMITS} + 20 warm-up)`,
    );
    const sample = await receiver.call<Sample>('sample', {}, 10_000);
    const directRun = async (count: number, idPrefix: string) => {
      await receiver.call('reset', {}, 10_000);
      const args: DirectArgs = {
        url: callbackUrl,
        body: sample.body,
        headers: sample.headers,
        idPrefix,
        count,
        intervalMs,
        timeoutMs: 60_000 + count * intervalMs,
      };
      const sent = await direct.call<DirectResult>('direct', args, args.timeoutMs + 10_000);
      const col = await receiver.call<CollectResult>(
        'collect',
        { webhookIds: sent.webhookIds, timeoutMs: 10_000, quietMs: 0 },
        20_000,
      );
      const at = new Map(col.received.map((r) => [r.webhookId, r.at]));
      const oneWay = sent.webhookIds.map((id, i) => (at.get(id) ?? Number.NaN) - (sent.sentAt[i] as number));
      return {
        sent,
        oneWay: oneWay.filter(Number.isFinite),
        missing: oneWay.filter((v) => !Number.isFinite(v)).length,
      };
    };
    await directRun(20, 'direct_warm_');
    const directs = await directRun(LOW_RATE_COMMITS, 'direct_');
    const directP50 = percentile(directs.oneWay, 50);
    progress(
      `webhooks: direct: ${directs.oneWay.length} received (${directs.sent.errors} errors, ${directs.missing} missing); send → receive ${latencyText(directs.oneWay)}; round trip p50 ${percentile(directs.sent.roundTripMs, 50).toFixed(2)} ms`,
    );

    progress(`webhooks: low rate: ${LOW_RATE_COMMITS} commits at ${LOW_RATE_PER_S}/s`);
    const low = await publishAndCollect('low rate', LOW_RATE_COMMITS, { intervalMs });

    progress(`webhooks: full rate: ${n} commits, ${PUBLISH_IN_FLIGHT} requests in flight`);
    const full = await publishAndCollect('full rate', n, { concurrency: PUBLISH_IN_FLIGHT });

    progress(`webhooks: backlog: ${n} commits enqueued while the queue is paused, then resumed`);
    await queue.pause();
    let resumedAt = Number.NaN;
    let queuedJobs = 0;
    let cpuAtResume: CpuUse | undefined;
    const backlog = await publishAndCollect('backlog', n, { concurrency: PUBLISH_IN_FLIGHT }, async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        queuedJobs = await queue.getJobCountByTypes('wait', 'paused', 'prioritized');
        if (queuedJobs >= n || Date.now() > deadline) break;
        await sleep(50);
      }
      cpuAtResume = await cpuNow(ctx, workerPid);
      resumedAt = wallClockMs();
      await queue.resume();
    });
    const drainS = (backlog.lastAt - resumedAt) / 1000;
    const drainRate = backlog.delivered / drainS;
    const drainCpu = cpuDelta(backlog.cpuAfter, cpuAtResume as CpuUse);
    progress(
      `webhooks: backlog: ${queuedJobs} jobs waiting at resume; drained at ${Math.round(drainRate)}/s (resume → last delivery), worker CPU ${(drainCpu.workerS / drainS).toFixed(2)} s/s`,
    );

    await deleteHook(ctx);
    const runs = [warm, low, full, backlog];
    const duplicates = runs.reduce((s, r) => s + r.duplicates, 0);
    const lost = runs.reduce((s, r) => s + r.lost + r.publishErrors, 0);
    const delivered = runs.reduce((s, r) => s + r.delivered, 0);
    const published = runs.reduce((s, r) => s + r.published, 0);
    const lowP50 = percentile(low.latencies, 50);
    const fullP50 = percentile(full.latencies, 50);
    const fullWindowS = (full.lastAt - full.startedAt) / 1000;
    const publishRate = (full.published / full.publishMs) * 1000;
    return {
      title: 'Webhook deliveries with one worker process',
      figures: [
        // published and delivered at once, this is bounded by the publishing rate (beside it): no goal here
        figure(
          'webhooks.rate',
          `deliveries/s at full rate (${n} commits, steady part; publishing at ${Math.round(publishRate)}/s)`,
          round(full.steadyRate),
          '/s',
        ),
        figure(
          'webhooks.rateFirstToLast',
          'deliveries/s at full rate, first to last',
          round(full.rate),
          '/s',
        ),
        figure('webhooks.publishRate', 'commits published/s at full rate (201s)', round(publishRate), '/s'),
        figure(
          'webhooks.drainRate',
          `deliveries/s draining a backlog of ${n} (resume → last): one worker process's ceiling`,
          round(drainRate),
          '/s',
          {
            text: `≥ ${RATE_GOAL}/s per worker process (issue 4 target)`,
            met: drainRate >= RATE_GOAL,
          },
        ),
        figure(
          'webhooks.drainSteadyRate',
          'deliveries/s draining the backlog, steady part',
          round(backlog.steadyRate),
          '/s',
        ),
        figure('webhooks.fullP50', 'publish (201) → received p50, full rate', round(fullP50), 'ms'),
        figure(
          'webhooks.fullP99',
          'publish (201) → received p99, full rate',
          round(percentile(full.latencies, 99)),
          'ms',
        ),
        figure(
          'webhooks.fullMax',
          'publish (201) → received max, full rate',
          round(Math.max(...full.latencies)),
          'ms',
        ),
        figure(
          'webhooks.lowP50',
          `publish (201) → received p50, ${LOW_RATE_PER_S} commits/s`,
          round(lowP50),
          'ms',
        ),
        figure(
          'webhooks.lowP99',
          `publish (201) → received p99, ${LOW_RATE_PER_S} commits/s`,
          round(percentile(low.latencies, 99)),
          'ms',
        ),
        figure(
          'webhooks.lowMax',
          `publish (201) → received max, ${LOW_RATE_PER_S} commits/s`,
          round(Math.max(...low.latencies)),
          'ms',
        ),
        figure(
          'webhooks.directP50',
          `direct POST (send → received) p50, ${LOW_RATE_PER_S}/s one at a time`,
          round(directP50),
          'ms',
        ),
        figure(
          'webhooks.directP99',
          'direct POST (send → received) p99',
          round(percentile(directs.oneWay, 99)),
          'ms',
        ),
        figure(
          'webhooks.lowAddedP50',
          `queueing adds at ${LOW_RATE_PER_S}/s (p50 − direct p50)`,
          round(lowP50 - directP50),
          'ms',
          {
            text: `≤ ${ADDED_P50_GOAL_MS} ms (issue 4 target)`,
            met: lowP50 - directP50 <= ADDED_P50_GOAL_MS,
          },
        ),
        figure(
          'webhooks.fullAddedP50',
          'queueing adds at full rate (p50 − direct p50)',
          round(fullP50 - directP50),
          'ms',
        ),
        figure('webhooks.delivered', 'deliveries received (all runs)', delivered, `of ${published}`),
        figure('webhooks.duplicates', 'duplicate deliveries (same webhook-id twice)', duplicates, '', {
          text: '0',
          met: duplicates === 0,
        }),
        figure('webhooks.lost', 'commits published but never delivered (all runs)', lost, '', {
          text: '0',
          met: lost === 0,
        }),
        figure(
          'webhooks.workerCpuPerSecond',
          'worker CPU at full rate (CPU s per wall s)',
          round(full.cpu.workerS / fullWindowS),
          '',
        ),
        figure(
          'webhooks.workerCpuPerDelivery',
          'worker CPU per delivery, full rate',
          round((full.cpu.workerS / full.delivered) * 1000),
          'ms',
        ),
        figure(
          'webhooks.drainWorkerCpuPerSecond',
          'worker CPU draining the backlog (CPU s per wall s)',
          round(drainCpu.workerS / drainS),
          '',
        ),
        figure(
          'webhooks.drainWorkerCpuPerDelivery',
          'worker CPU per delivery, backlog',
          round((drainCpu.workerS / backlog.delivered) * 1000),
          'ms',
        ),
      ],
      notes: [
        `One Izanami webhook (\`POST /api/webhooks\`, domains \`Config\`) to a receiver on ${callbackUrl} (its own Node process, node:http, answers 200 with an empty body at once, records each request's \`webhook-id\`, arrival time and the events' \`_id\`). One delivery worker process, \`node ${ctx.workerEntry.replace(/^.*\/dist\//, 'dist/')}\`, env ${JSON.stringify(worker.settings)}.`,
        `Commits are single CONFIG_UPDATED events, \`POST /api/events\` from a publisher process (raw node:http, keep-alive); each is one delivery (one BullMQ job). Latency = receiver's arrival time − the publisher's reading of the 201, per commit (wall clocks of two processes on one machine).`,
        `Runs in order: warm-up ${WARM_UP_COMMITS} commits; low rate: ${LOW_RATE_COMMITS} commits one at a time, ${intervalMs} ms apart; full rate: ${n} commits, ${PUBLISH_IN_FLIGHT} requests in flight (each publish waits for Redis' fsync: more in flight let the relay group them), published at ${Math.round(publishRate)}/s while the worker delivers, so that deliveries/s here is bounded by the publishing (deliveries/s first → last received, and steady = between the ${RAMP * 100} % and ${100 - RAMP * 100} % marks); backlog: ${n} more commits published while the BullMQ queue is paused (${queuedJobs} jobs waiting), then resumed: the worker's own ceiling, free of the publishing rate (first delivery ${Math.round(backlog.firstAt - resumedAt)} ms after resume).`,
        `Direct baseline: the last delivery's exact body and headers POSTed straight to the same receiver by another process with the worker's own HTTP client (\`postJson\` of src/webhooks/http-post.ts: keep-alive agent, same settings), one at a time ${intervalMs} ms apart, ${LOW_RATE_COMMITS} requests after 20 of warm-up; send → received p50 ${directP50.toFixed(2)} ms, round trip p50 ${percentile(directs.sent.roundTripMs, 50).toFixed(2)} ms. "Queueing adds" = relay p50 − direct p50.`,
        `Latency per run (publish 201 → received): ${runs.map((r) => `${r.name} ${latencyText(r.latencies)}`).join('; ')}.`,
        `Where the time goes, p50 / p99 in ms (append = the event id's millisecond; job times are BullMQ's own added / processedOn / finishedOn; millisecond clocks): low rate: ${stagesText(low)}; full rate: ${stagesText(full)}. Deliveries that needed more than one attempt: ${runs.reduce((s, r) => s + r.retried, 0)}.`,
        `CPU during the full-rate run (publish start → last delivery + ${QUIET_MS} ms): worker ${full.cpu.workerS.toFixed(2)} s, relay ${full.cpu.relayS.toFixed(2)} s, Redis ${full.cpu.redisS.toFixed(2)} s, receiver ${(full.receiverCpuMs / 1000).toFixed(2)} s, publisher ${(full.publisherCpuMs / 1000).toFixed(2)} s; draining the backlog (resume → last delivery + ${QUIET_MS} ms): worker ${drainCpu.workerS.toFixed(2)} s, relay ${drainCpu.relayS.toFixed(2)} s, Redis ${drainCpu.redisS.toFixed(2)} s. Worker CPU from /proc/<pid>/stat; CPU per wall second over the delivery window.`,
        `Duplicates count every request whose webhook-id the receiver had seen before, over all runs; lost = published (201) commits none of whose deliveries arrived, plus publish errors (${runs.reduce((s, r) => s + r.publishErrors, 0)}). Malformed requests: ${runs.reduce((s, r) => s + r.malformed, 0)}; requests with events not published in their run: ${runs.reduce((s, r) => s + r.unexpected, 0)}.`,
      ],
      details: {
        runs: runs.map(({ latencies, ...rest }) => ({
          ...rest,
          latencyMs: {
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            max: Math.max(...latencies),
          },
        })),
        resumedAt,
        queuedJobs,
        direct: {
          oneWayMs: { p50: directP50, p99: percentile(directs.oneWay, 99), max: Math.max(...directs.oneWay) },
          roundTripMs: {
            p50: percentile(directs.sent.roundTripMs, 50),
            p99: percentile(directs.sent.roundTripMs, 99),
          },
          errors: directs.sent.errors,
          missing: directs.missing,
        },
        worker: worker.settings,
      },
    };
  } catch (err) {
    if (worker) process.stderr.write(`--- delivery worker output (last lines) ---\n${worker.output()}\n`);
    throw err;
  } finally {
    await queue.close().catch(() => undefined);
    queueConnection.disconnect();
    await worker?.stop();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function cpuNow(ctx: BenchContext, workerPid: number): Promise<CpuUse> {
  return {
    workerS: cpuSeconds(workerPid),
    relayS: cpuSeconds(ctx.relay.pid),
    redisS: await redisCpuSeconds(ctx.redis.client),
  };
}

async function registerHook(ctx: BenchContext, callbackUrl: string): Promise<void> {
  const res = await fetch(`${ctx.relay.baseUrl}/api/webhooks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authHeaders(ctx.relay) },
    body: JSON.stringify({ clientId: HOOK_ID, callbackUrl, domains: ['Config'] }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 201)
    throw new Error(`POST /api/webhooks: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer().catch(() => undefined);
}

async function deleteHook(ctx: BenchContext): Promise<void> {
  const res = await fetch(`${ctx.relay.baseUrl}/api/webhooks/${HOOK_ID}`, {
    method: 'DELETE',
    headers: authHeaders(ctx.relay),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status !== 204) throw new Error(`DELETE /api/webhooks/${HOOK_ID}: HTTP ${res.status}`);
}
