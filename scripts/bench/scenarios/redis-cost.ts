import { Redis } from 'ioredis';
import type { NewEvent } from '../../../src/events/event.js';
import { EventStore, eventArgs } from '../../../src/events/event-store.js';
import { ENTRY_FIELDS } from '../../../src/events/serialize.js';
import { relayKeys } from '../../../src/redis/keys.js';
import { SCRIPTS } from '../../../src/redis/scripts.js';
import { ACK_EVERY_MS, ackDue, readBlockMs } from '../../../src/webhooks/ack-schedule.js';
import { featureEvent } from '../lib/events.js';
import { progress, sleep } from '../lib/progress.js';
import { redisCpuSeconds } from '../lib/redis-info.js';
import { figure, median, round, type Section } from '../lib/report.js';
import type { BenchContext } from './context.js';

/**
 * Redis CPU per event, taken apart: the same events at the fan-out's rate (10/s), appended and read by the
 * bench process itself on keys of their own, one part added per step. It shows what a relay's per-event
 * cost is made of (an append fsynced on every write, each blocked reader served and its read sent again), and
 * so how far the fan-out's naive ÷ relay ratio can go on this machine.
 */

const RATE = 10;
const EVENTS = 100;
const ROUNDS = 2;
const NAIVE_READERS = 1000;
const SETTLE_MS = 1000;
const REST_MS = 2000;
/** The relay's default limits: a day's retention, a cap far above what is appended. */
const RETENTION = { retentionMs: 86_400_000, maxLength: 1_000_000 };

/** A bare XADD; the append script for every event; the relay's own append (src/events/event-store.ts). */
type Publish = 'xadd' | 'script' | 'append';

interface Step {
  readonly name: string;
  readonly label: string;
  readonly publish: Publish;
  readonly tail: boolean;
  /** The dispatcher's read, riding the tail reader's (with `tail` only, as in the relay). */
  readonly group: boolean;
  readonly naive: number;
}

const STEPS: Step[] = [
  { name: 'xadd', label: 'XADD alone', publish: 'xadd', tail: false, group: false, naive: 0 },
  {
    name: 'script',
    label: 'the append script alone, on every event',
    publish: 'script',
    tail: false,
    group: false,
    naive: 0,
  },
  {
    name: 'append',
    label: 'the relay’s append alone (XADD, the script once a second for the upkeep)',
    publish: 'append',
    tail: false,
    group: false,
    naive: 0,
  },
  {
    name: 'tail',
    label: 'append + one blocked XREAD (an SSE-only relay)',
    publish: 'append',
    tail: true,
    group: false,
    naive: 0,
  },
  {
    name: 'relay',
    label: 'append + one blocked XREAD carrying the dispatcher’s XREADGROUP (the relay)',
    publish: 'append',
    tail: true,
    group: true,
    naive: 0,
  },
  {
    name: 'naive',
    label: `append + ${NAIVE_READERS} blocked XREADs (the naive peer, without a dispatcher)`,
    publish: 'append',
    tail: false,
    group: false,
    naive: NAIVE_READERS,
  },
];

/** A reader looping on its own connection until stopped; a failure while running fails the step. */
class ReadLoop {
  private running = true;
  private failure: Error | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly redis: Redis,
    read: (redis: Redis) => Promise<void>,
  ) {
    this.done = (async () => {
      while (this.running) {
        try {
          await read(redis);
        } catch (err) {
          if (this.running) this.failure = err as Error;
          return;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.redis.disconnect();
    await this.done;
    if (this.failure) throw this.failure;
  }
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  return redis;
}

/** As the tail reader: XREAD BLOCK from the last id seen, sent again as soon as a reply is in. */
async function tailReader(url: string, key: string): Promise<ReadLoop> {
  let last = '0-0';
  return new ReadLoop(await connect(url), async (redis) => {
    const reply = (await redis.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', key, last)) as
      | [string, [string, string[]][]][]
      | null;
    const entries = reply?.[0]?.[1];
    if (entries && entries.length > 0) last = (entries[entries.length - 1] as [string, string[]])[0];
  });
}

/**
 * As the relay's tail reader with the dispatcher's read riding it (src/sse/tail-reader.ts, src/webhooks/
 * dispatcher.ts): one pipeline per read, the acknowledgement when due, XREAD BLOCK, then XREADGROUP (not
 * blocking: Redis runs it as soon as the XREAD returns) and the hooks' GET.
 */
async function ridingReader(url: string, key: string): Promise<ReadLoop> {
  const redis = await connect(url);
  await redis.xgroup('CREATE', key, 'dispatch', '$', 'MKSTREAM');
  let last = '0-0';
  let unacked: string[] = [];
  let since = 0;
  return new ReadLoop(redis, async (r) => {
    const pipeline = r.pipeline();
    // the dispatcher's own schedule (src/webhooks/ack-schedule.ts), at the default claim idle time
    if (ackDue(unacked.length, Date.now() - since, ACK_EVERY_MS)) {
      pipeline.xack(key, 'dispatch', ...unacked);
      unacked = [];
    }
    const block = Math.min(5000, readBlockMs(5000, unacked.length, Date.now() - since, ACK_EVERY_MS));
    pipeline.xread('COUNT', 1000, 'BLOCK', block, 'STREAMS', key, last);
    pipeline.callBuffer('XREADGROUP', 'GROUP', 'dispatch', 'c', 'COUNT', 1000, 'STREAMS', key, '>');
    pipeline.get(`${key}:version`);
    const replies = (await pipeline.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const tail = replies[replies.length - 3]?.[1] as [string, [string, string[]][]][] | null;
    const read = tail?.[0]?.[1];
    if (read && read.length > 0) last = (read[read.length - 1] as [string, string[]])[0];
    const group = replies[replies.length - 2]?.[1] as [Buffer, [Buffer, Buffer[]][]][] | null;
    const entries = group?.[0]?.[1] ?? [];
    if (entries.length > 0 && unacked.length === 0) since = Date.now();
    for (const [id] of entries) unacked.push(String(id));
  });
}

async function readers(url: string, key: string, step: Step): Promise<ReadLoop[]> {
  const loops: ReadLoop[] = [];
  if (step.tail && step.group) loops.push(await ridingReader(url, key));
  else if (step.tail) loops.push(await tailReader(url, key));
  for (let i = 0; i < step.naive; i += 50)
    loops.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, step.naive - i) }, () => tailReader(url, key)),
      )),
    );
  return loops;
}

/** Redis' CPU seconds per second over REST_MS, nothing published. */
async function restRate(redis: Redis): Promise<number> {
  const cpu = await redisCpuSeconds(redis);
  const started = performance.now();
  await sleep(REST_MS);
  return ((await redisCpuSeconds(redis)) - cpu) / ((performance.now() - started) / 1000);
}

/** One step: its readers connected, Redis at rest measured, EVENTS published at RATE one at a time, the rest again. */
async function measure(ctx: BenchContext, step: Step, round_: number): Promise<number> {
  const keys = relayKeys(`bench:cost:${step.name}:${round_}`);
  const key = keys.events;
  const redis = ctx.redis.client;
  const publisher = new Redis(ctx.redis.url);
  const store = new EventStore(publisher, keys, RETENTION);
  const loops = await readers(ctx.redis.url, key, step);
  try {
    await sleep(SETTLE_MS);
    const restBefore = await restRate(redis);
    const cpu = await redisCpuSeconds(redis);
    const started = performance.now();
    for (let n = 0; n < EVENTS; n += 1) {
      const wait = started + (n * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      const e: NewEvent = {
        ...featureEvent(n),
        domain: 'Feature',
        authInfo: { clientId: 'bench', name: 'bench' },
      };
      // what the relay stores for it: type, domain, key and the encoded body
      const values = eventArgs([e]);
      if (step.publish === 'xadd')
        await publisher.xadd(key, '*', ...ENTRY_FIELDS.flatMap((field, i) => [field, values[i] as string]));
      else if (step.publish === 'script')
        await SCRIPTS.append.run(
          publisher,
          [key, keys.eventsMeta],
          [...store.retentionArgs, '', 0, ...values],
        );
      else await store.append([e]);
    }
    await sleep(1000 / RATE);
    const seconds = (performance.now() - started) / 1000;
    const spent = (await redisCpuSeconds(redis)) - cpu;
    // the lower of the rest rates before and after: a burst of the host's in one of them (a round read
    // -134 µs per event with the rate before alone) would otherwise be taken off every event
    const restPerS = Math.min(restBefore, await restRate(redis));
    return ((spent - restPerS * seconds) / EVENTS) * 1e6;
  } finally {
    await Promise.all(loops.map((l) => l.stop()));
    publisher.disconnect();
    await redis.del(key, keys.eventsMeta);
  }
}

export async function redisCost(ctx: BenchContext): Promise<Section> {
  const runs = new Map<string, number[]>(STEPS.map((s) => [s.name, []]));
  for (let r = 1; r <= ROUNDS; r += 1) {
    for (const step of STEPS) {
      const us = await measure(ctx, step, r);
      runs.get(step.name)?.push(us);
      progress(`redis cost: round ${r}/${ROUNDS}, ${step.label}: ${us.toFixed(0)} µs/event (net of rest)`);
    }
  }
  const us = (name: string) => median(runs.get(name) ?? []);
  const [xadd, script, append, tail, relay, naive] = [
    'xadd',
    'script',
    'append',
    'tail',
    'relay',
    'naive',
  ].map(us) as [number, number, number, number, number, number];
  return {
    title: 'Redis CPU per event, taken apart',
    figures: [
      ...STEPS.map((s) =>
        figure(`redisCost.${s.name}`, `Redis CPU per event: ${s.label}`, round(us(s.name)), 'µs'),
      ),
      figure(
        'redisCost.naiveOverRelay',
        'naive ÷ relay, same conditions (dispatcher on the relay side only)',
        round(naive / relay),
        '',
      ),
      figure(
        'redisCost.naiveOverTail',
        'naive ÷ SSE-only relay (neither with a dispatcher)',
        round(naive / tail),
        '',
      ),
      figure(
        'redisCost.naiveOverAppend',
        'naive ÷ the relay’s append alone: the most a relay appending this way could show',
        round(naive / append),
        '',
      ),
      figure('redisCost.appendOverXadd', 'the relay’s append ÷ a bare XADD', round(append / xadd), ''),
      figure('redisCost.scriptOverXadd', 'the append script ÷ a bare XADD', round(script / xadd), ''),
    ],
    notes: [
      `Each step: the bench process connects its readers to a key of its own on the bench's Redis (AOF, appendfsync always), lets it settle ${SETTLE_MS} ms, measures Redis' CPU at rest for ${REST_MS} ms, appends ${EVENTS} events at ${RATE}/s, one at a time (each awaited), measures the rest again for ${REST_MS} ms, and reports Redis CPU per event net of the lower of the two rest rates (Δ used_cpu_user + used_cpu_sys). ${ROUNDS} rounds of all steps, medians.`,
      'The relay’s append is its own code (src/events/event-store.ts, default retention and cap): a single event is a bare XADD, and the append script (src/redis/lua/append.lua) runs once a second for the retention check and the cap; the script step runs that script for every event, as the relay did before. The readers do what the relay’s do: the tail reader’s XREAD BLOCK sent again at once; in the relay step, the dispatcher’s XREADGROUP (not blocking) and a GET in the same pipeline right after it, with one XACK a second.',
      'With appendfsync always, Redis fsyncs once per event-loop pass that wrote: the append pays one, and a blocked reader served in that same pass adds none; each reader sending its next read wakes Redis once more (the dispatcher’s read, riding the tail reader’s, adds no wake-up of its own). The naive peer’s 1,000 readers are 1,000 replies and 1,000 new reads per event.',
      'The fan-out scenario’s naive ÷ relay ratio counts the relay’s dispatcher on both sides (the naive peer’s events are appended through the relay); here the naive step has none.',
    ],
    details: Object.fromEntries(runs),
  };
}
