import { toPublicId } from '../../../src/events/event-id.js';
import type { ReplayArgs, ReplayResult } from '../clients/replay-reader-api.js';
import { ClientProcess } from '../lib/client-process.js';
import { cpuSeconds } from '../lib/proc-stats.js';
import { progress } from '../lib/progress.js';
import { redisCpuSeconds } from '../lib/redis-info.js';
import { figure, median, round, type Section } from '../lib/report.js';
import { authHeaders, type BenchContext } from './context.js';
import { COMMIT_SIZE, fillStream } from './fill-stream.js';
import { type RawRead, rawXrange, XRANGE_PAGE } from './raw-xrange.js';

const RATIO_TARGET = 0.15;
const WARM_UP_EVENTS = 10_000;

interface Run {
  readonly raw: RawRead;
  readonly replay: ReplayResult;
  readonly rate: number;
  readonly relayCpuS: number;
  readonly redisCpuS: number;
}

/**
 * Replay from `Last-Event-Id`: appends the events, then one client (its own process) reads them all from the
 * id just before them. Measured against raw XRANGE paging over the same entries, interleaved run by run so
 * that both see the same machine load; medians reported.
 */
export async function replay(ctx: BenchContext): Promise<Section> {
  const { replayEvents: n, replayRuns } = ctx.options;
  progress(`replay: appending ${n} events (POST /api/events, commits of ${COMMIT_SIZE})`);
  const filled = await fillStream(ctx, n);
  progress(`replay: appended ${n} events in ${filled.seconds.toFixed(1)} s`);
  const top = (await ctx.redis.client.xrevrange(ctx.stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
  const lastId = toPublicId(top[0]![0]);
  const reader = await ClientProcess.start('replay-reader', ctx.clientScript('replay-reader'));
  const args = (expected: number): ReplayArgs => ({
    target: {
      port: ctx.relay.port,
      path: '/api/events',
      headers: { ...authHeaders(ctx.relay), 'Last-Event-Id': String(filled.afterId) },
    },
    expected,
    timeoutMs: 60_000 + n,
  });
  const call = (expected: number) => {
    const a = args(expected);
    return reader.call<ReplayResult>('replay', a, a.timeoutMs + 10_000);
  };
  try {
    progress('replay: warm-up (one raw pass, one short replay)');
    await rawXrange(ctx.redis.client, ctx.stream, filled.afterStreamId);
    await call(Math.min(n, WARM_UP_EVENTS));

    const runs: Run[] = [];
    for (let r = 1; r <= replayRuns; r++) {
      const raw = await rawXrange(ctx.redis.client, ctx.stream, filled.afterStreamId);
      const relayCpu = cpuSeconds(ctx.relay.pid);
      const redisCpu = await redisCpuSeconds(ctx.redis.client);
      const result = await call(n);
      const run: Run = {
        raw,
        replay: result,
        rate: result.received / (result.totalMs / 1000),
        relayCpuS: cpuSeconds(ctx.relay.pid) - relayCpu,
        redisCpuS: (await redisCpuSeconds(ctx.redis.client)) - redisCpu,
      };
      runs.push(run);
      progress(
        `replay: run ${r}/${replayRuns}: ${result.received} events in ${Math.round(result.totalMs)} ms = ${Math.round(run.rate)}/s (first after ${result.firstEventMs.toFixed(1)} ms); raw XRANGE ${Math.round(raw.rate)}/s`,
      );
    }

    const complete = runs.filter(
      (r) =>
        r.replay.status === 200 &&
        !r.replay.timedOut &&
        r.replay.received === n &&
        r.replay.disordered === 0 &&
        r.replay.resets === 0 &&
        r.replay.lastId === lastId &&
        r.raw.entries === n,
    ).length;
    const rate = median(runs.map((r) => r.rate));
    const rawRate = median(runs.map((r) => r.raw.rate));
    const ratio = rate / rawRate;
    const streamRate = median(
      runs.map((r) => (r.replay.received - 1) / ((r.replay.totalMs - r.replay.firstEventMs) / 1000)),
    );
    const seconds = median(runs.map((r) => r.replay.totalMs / 1000));
    return {
      title: `Replay of ${n.toLocaleString('en-US')} events from Last-Event-Id`,
      figures: [
        figure(
          'replay.appendRate',
          `append rate (POST, commits of ${COMMIT_SIZE}, 2 in flight)`,
          round(n / filled.seconds),
          'events/s',
        ),
        figure(
          'replay.complete',
          'runs that received every event, in order, no reset',
          complete,
          `of ${runs.length}`,
          {
            text: `${runs.length} of ${runs.length}`,
            met: complete === runs.length,
          },
        ),
        figure('replay.rate', 'replay rate (request → last event)', round(rate), 'events/s'),
        figure('replay.streamRate', 'replay rate after the first event', round(streamRate), 'events/s'),
        figure(
          'replay.firstEventMs',
          'time to first event',
          round(median(runs.map((r) => r.replay.firstEventMs))),
          'ms',
        ),
        figure('replay.totalS', `time to read all ${n} events`, round(seconds), 's'),
        figure(
          'replay.rawXrangeRate',
          `raw XRANGE rate (ioredis, COUNT ${XRANGE_PAGE})`,
          round(rawRate),
          'entries/s',
        ),
        figure(
          'replay.rawXrangeRedisRate',
          'raw XRANGE entries per Redis CPU second (Redis-side ceiling)',
          round(median(runs.map((r) => r.raw.entries / r.raw.redisCpuS))),
          'entries/s',
        ),
        figure('replay.ratio', 'replay rate / raw XRANGE rate', round(ratio), '', {
          text: `≥ ${RATIO_TARGET} (issue 4 target)`,
          met: ratio >= RATIO_TARGET,
        }),
        figure(
          'replay.relayCpuPerSecond',
          'relay CPU during replay (CPU s per wall s)',
          round(median(runs.map((r) => r.relayCpuS / (r.replay.totalMs / 1000)))),
          '',
        ),
        figure(
          'replay.redisCpuPerSecond',
          'Redis CPU during replay (CPU s per wall s)',
          round(median(runs.map((r) => r.redisCpuS / (r.replay.totalMs / 1000)))),
          '',
        ),
        figure(
          'replay.clientCpuPerSecond',
          'reader CPU during replay (CPU s per wall s)',
          round(median(runs.map((r) => r.replay.clientCpuMs / r.replay.totalMs))),
          '',
        ),
      ],
      notes: [
        `${n} FEATURE_UPDATED events (${round(median(runs.map((r) => r.replay.bytes / r.replay.received)))} bytes per SSE frame) appended through the relay, then ${replayRuns} runs, each: raw XRANGE pass, then one SSE client (a process of its own, raw node:http) sending \`Last-Event-Id\` of the event just before them and reading until the last one; medians reported, after a warm-up.`,
        `Runs (replay events/s, first event ms, raw XRANGE entries/s): ${runs.map((r) => `${Math.round(r.rate)}, ${r.replay.firstEventMs.toFixed(1)}, ${Math.round(r.raw.rate)}`).join(' | ')}.`,
        'The raw XRANGE read runs in the bench process and only decodes the replies (ioredis parsing them is its limit, not Redis: see entries per Redis CPU second); the relay also builds each frame, writes it to the socket, and the reader parses it, all on the same two cores.',
      ],
      details: { filled, runs },
    };
  } finally {
    await reader.stop();
  }
}
