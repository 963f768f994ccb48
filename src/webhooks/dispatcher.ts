import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StoredEvent } from '../events/event.js';
import type { EventStore, RawEntry } from '../events/event-store.js';
import { decodeEntry } from '../events/serialize.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import { StopSignal } from '../redis/stop-signal.js';
import { ackDue, ackEveryMs, readBlockMs } from './ack-schedule.js';
import { type DeliveryJobData, deliveryJobId } from './delivery-job.js';
import type { Hook } from './hook.js';
import { compileHookFilter, hookFilterOf } from './hook-matching.js';
import type { HookStore } from './hook-store.js';

export const DISPATCH_GROUP = 'dispatch';

/** The replies of a pipeline, or its first error thrown. */
function pipelineResults(replies: [Error | null, unknown][], expected: number): unknown[] {
  if (replies.length !== expected)
    throw new Error(`pipeline: ${replies.length} replies, ${expected} expected`);
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** An entry as `XREADGROUP` returns it when read as buffers. */
type RawBufferEntry = [id: Buffer, fields: Buffer[]];

function asText(entry: RawEntry | RawBufferEntry): RawEntry {
  const [id, fields] = entry;
  return typeof id === 'string' ? (entry as RawEntry) : [String(id), fields.map(String)];
}

export interface DispatcherOptions {
  /** A connection of its own: XREADGROUP blocks on it. */
  readonly redis: Redis;
  /** The command connection, for the reads that complete a commit. */
  readonly store: EventStore;
  readonly storeRedis: Redis;
  readonly stream: string;
  readonly hooks: HookStore;
  readonly queue: Queue<DeliveryJobData>;
  readonly logger: Logger;
  /** Entries pending longer than this on a consumer are taken over (it is presumed dead). */
  readonly claimIdleMs?: number;
  readonly blockMs?: number;
  readonly metrics: RelayMetrics;
}

interface CompiledHook {
  readonly hook: Hook;
  readonly matches: (event: StoredEvent) => boolean;
}

/**
 * Turns stream entries into delivery jobs. Reads the stream through a consumer group, so that several relay
 * processes share the work; for each commit and each hook with matching events it adds one job whose id is
 * derived from (hook, commit), then acknowledges the entries. Entries left pending by a consumer that died are
 * claimed by another. A commit is handled whole by whoever reads its first entry (reading the rest if the
 * batch ended inside it); a reader that gets only its later entries acknowledges them and leaves it at that.
 */
export class Dispatcher {
  readonly consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private hookList: CompiledHook[] = [];
  private hooksVersion = '';
  private running = false;
  private loop: Promise<void> | undefined;
  private lastClaim = 0;
  /** Entries whose deliveries are enqueued, acknowledged with a later read (or on stop). */
  private unacked: string[] = [];
  /** When the oldest entry of `unacked` was handled. */
  private unackedSince = 0;
  private readonly stopSignal = new StopSignal();

  constructor(private readonly options: DispatcherOptions) {}

  async start(): Promise<void> {
    const { redis, stream } = this.options;
    try {
      await redis.xgroup('CREATE', stream, DISPATCH_GROUP, '$', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
    await this.refreshHooks();
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Reloads the hooks when their version moved. Called after every read: a hook write bumps the version in
   * the same step, before any later entry is appended, so the entries just read are matched against every
   * hook written before them, whichever dispatcher read the hook's own `WEBHOOK_*` entry.
   */
  async refreshHooks(known?: string): Promise<void> {
    const version = known ?? (await this.options.hooks.version());
    if (version === this.hooksVersion) return;
    const list = await this.options.hooks.list();
    this.hookList = list.map(({ hook }) => ({ hook, matches: compileHookFilter(hookFilterOf(hook)) }));
    this.hooksVersion = version;
  }

  /**
   * Reads batches until stopped. Each read is one pipeline on the blocking connection, so that Redis wakes once
   * for it: the acknowledgement of the batches handled before (their deliveries are enqueued by then), when one
   * is due, the blocking XREADGROUP, and the hooks' version, which Redis answers only once the read has
   * returned, so it covers every hook written before the entries read.
   *
   * Acknowledgements wait (see ack-schedule.ts): at most a second, or a quarter of the claim's idle time. An
   * entry handled but not yet acknowledged when its dispatcher dies is handled again by the one that claims it,
   * and its job id keeps the delivery single.
   */
  private async run(): Promise<void> {
    const { redis, stream, logger } = this.options;
    const claimIdleMs = this.options.claimIdleMs ?? 30_000;
    const blockMs = this.options.blockMs ?? 2000;
    const everyMs = ackEveryMs(claimIdleMs);
    let failures = 0;
    while (this.running) {
      const now = Date.now();
      const due = ackDue(this.unacked.length, now - this.unackedSince, everyMs);
      const acking = due ? this.unacked : [];
      const ackingSince = this.unackedSince;
      if (due) this.unacked = [];
      const putBack = () => {
        if (acking.length === 0) return;
        this.unacked = acking.concat(this.unacked);
        this.unackedSince = ackingSince;
      };
      try {
        if (now - this.lastClaim > Math.min(claimIdleMs, 10_000)) await this.claimAbandoned(claimIdleMs);
        const pipeline = redis.pipeline();
        if (acking.length > 0) pipeline.xack(stream, DISPATCH_GROUP, ...acking);
        pipeline
          .callBuffer(
            'XREADGROUP',
            'GROUP',
            DISPATCH_GROUP,
            this.consumer,
            'COUNT',
            1000,
            'BLOCK',
            readBlockMs(blockMs, this.unacked.length, Date.now() - this.unackedSince, everyMs),
            'STREAMS',
            stream,
            '>',
          )
          .get(this.options.hooks.versionKey);
        const replies = await this.stopSignal.race(pipeline.exec());
        if (!this.running) {
          putBack();
          break;
        }
        const [read, version] = pipelineResults(replies ?? [], acking.length > 0 ? 3 : 2).slice(-2);
        const raw = (read as [Buffer, RawBufferEntry[]][] | null)?.[0]?.[1] ?? [];
        if (raw.length > 0)
          await this.handle(raw, { version: (version as string | null) ?? '0', ackLater: true });
        failures = 0;
      } catch (err) {
        // an acknowledgement that may not have happened is sent again (XACK is idempotent)
        putBack();
        if (!this.running) break;
        failures += 1;
        if (failures === 1)
          logger.warn('dispatcher: read failed, retrying', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(100 * failures, 1000)));
      }
    }
  }

  /** Takes over entries another consumer left pending for longer than `idleMs`, and handles them. */
  private async claimAbandoned(idleMs: number): Promise<void> {
    this.lastClaim = Date.now();
    let cursor = '0-0';
    do {
      const [next, raw] = (await this.options.storeRedis.xautoclaim(
        this.options.stream,
        DISPATCH_GROUP,
        this.consumer,
        idleMs,
        cursor,
        'COUNT',
        1000,
      )) as [string, RawEntry[]];
      const live = raw.filter((entry): entry is RawEntry => Array.isArray(entry?.[1]));
      if (live.length > 0) {
        this.options.logger.info('dispatcher: took over abandoned entries', { count: live.length });
        await this.handle(live);
      }
      cursor = next;
    } while (cursor !== '0-0' && this.running);
  }

  /**
   * Enqueues the deliveries of a batch of entries, then acknowledges them: at once, or (`ackLater`, the read
   * loop) with a later read. `version`: the hooks' version read after the entries, if the caller has it. With
   * no hook at all the entries are only acknowledged, not decoded (the read loop reads them as buffers, so
   * that nothing is converted to text for nothing).
   */
  async handle(
    raw: readonly (RawEntry | RawBufferEntry)[],
    options: { version?: string; ackLater?: boolean } = {},
  ): Promise<void> {
    const { stream, storeRedis } = this.options;
    await this.refreshHooks(options.version);
    if (this.hookList.length > 0) await this.enqueue(raw.map(asText));
    const ids = raw.map(([id]) => String(id));
    if (options.ackLater) {
      if (this.unacked.length === 0) this.unackedSince = Date.now();
      this.unacked.push(...ids);
    } else await storeRedis.xack(stream, DISPATCH_GROUP, ...ids);
  }

  /** Adds one job per commit and matching hook (its id derived from both, so a second add is a no-op). */
  private async enqueue(raw: readonly RawEntry[]): Promise<void> {
    const entries = raw.map(([id, fields]) => decodeEntry(id, fields));
    const jobs: { name: string; data: DeliveryJobData; opts: { jobId: string } }[] = [];
    for (const commit of await this.wholeCommits(entries)) {
      for (const { hook, matches } of this.hookList) {
        const events = commit.filter(matches);
        if (events.length === 0) continue;
        const first = commit[0] as StoredEvent;
        jobs.push({
          name: hook.api,
          data: { hookId: hook.id, commit: first.streamId, events: events.map((e) => e.json) },
          opts: { jobId: deliveryJobId(hook.id, first.streamId) },
        });
      }
    }
    if (jobs.length === 0) return;
    await this.options.queue.addBulk(jobs);
    for (const job of jobs) this.options.metrics.deliveriesEnqueued.inc({ api: job.name });
  }

  /** The commits that start in these entries, each completed from the stream if the batch ended inside it. */
  private async wholeCommits(entries: readonly StoredEvent[]): Promise<StoredEvent[][]> {
    const commits: StoredEvent[][] = [];
    for (const entry of entries) {
      const current = commits[commits.length - 1];
      if (entry.streamId === entry.commit) commits.push([entry]);
      else if (current && (current[0] as StoredEvent).streamId === entry.commit) current.push(entry);
      // else: a later entry of a commit whose first entry was read elsewhere, which handles it whole
    }
    for (const commit of commits) {
      const last = commit[commit.length - 1] as StoredEvent;
      if (last.remaining > 0) {
        commit.push(
          ...(await this.options.store.range(last.streamId, '+', last.remaining, this.options.storeRedis)),
        );
      }
    }
    return commits;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.stop();
    this.options.redis.disconnect();
    await this.loop;
    const ids = this.unacked;
    this.unacked = [];
    if (ids.length === 0) return;
    try {
      await this.options.storeRedis.xack(this.options.stream, DISPATCH_GROUP, ...ids);
    } catch (err) {
      // left pending: another dispatcher claims them, and their job ids keep the deliveries single
      this.options.logger.warn('dispatcher: could not acknowledge on stop', {
        count: ids.length,
        error: (err as Error).message,
      });
    }
  }
}
