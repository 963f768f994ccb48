import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { StoredEvent } from '../events/event.js';
import type { EventStore, RawEntry } from '../events/event-store.js';
import { decodeEntries } from '../events/serialize.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import type { PipelineReply, ReadRider, Ride } from '../sse/tail-reader.js';
import { ackDue, ackEveryMs, readBlockMs } from './ack-schedule.js';
import { type DeliveryJobData, deliveryJobId } from './delivery-job.js';
import type { Hook } from './hook.js';
import { compileHookFilter, hookFilterOf } from './hook-matching.js';
import type { HookStore } from './hook-store.js';

export const DISPATCH_GROUP = 'dispatch';

/** The replies of a pipeline, or its first error thrown. */
function pipelineResults(replies: readonly PipelineReply[], expected: number): unknown[] {
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
  /**
   * The command connection: claims, the dispatcher's own reads when no ride is out, the reads that complete a
   * commit, and the acknowledgements that cannot wait for a ride. Its blocking read rides the tail reader's.
   */
  readonly redis: Redis;
  readonly store: EventStore;
  readonly stream: string;
  readonly hooks: HookStore;
  readonly queue: Queue<DeliveryJobData>;
  readonly logger: Logger;
  /** Entries pending longer than this on a consumer are taken over (it is presumed dead). */
  readonly claimIdleMs?: number;
  readonly metrics: RelayMetrics;
}

interface CompiledHook {
  readonly hook: Hook;
  readonly matches: (event: StoredEvent) => boolean;
}

/** Entries read at once, at most. */
const READ_COUNT = 1000;

/** Acknowledgements taken out of the waiting list for one pipeline, and when the oldest of them was handled. */
interface Acking {
  readonly ids: string[];
  readonly since: number;
}

/**
 * Turns stream entries into delivery jobs. Reads the stream through a consumer group, so that several relay
 * processes share the work; for each commit and each hook with matching events it adds one job whose id is
 * derived from (hook, commit), then acknowledges the entries. Entries left pending by a consumer that died are
 * claimed by another. A commit is handled whole by whoever reads its first entry (reading the rest if the
 * batch ended inside it); a reader that gets only its later entries acknowledges them and leaves it at that.
 *
 * It has no blocking read of its own: its `XREADGROUP` rides the tail reader's (src/sse/tail-reader.ts), in
 * the same pipeline right after the `XREAD BLOCK`, so Redis runs it in the pass of the append that wakes the
 * tail reader (sharing its fsync) and the process sends one read per event, not two. What the rides read is
 * handled in order, one batch at a time; at most one ride waits while a batch is handled. When the tail
 * reader goes on without a ride, the dispatcher reads on its own, on the command connection.
 */
export class Dispatcher implements ReadRider {
  readonly consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private hookList: CompiledHook[] = [];
  private hooksVersion = '';
  private running = false;
  /** Rides out, and steps queued or under way. */
  private inFlight = 0;
  /** The tail reader read without a ride: the dispatcher reads on its own next. */
  private missed = false;
  /** The steps, one after the other (the last awaited on stop). */
  private work: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastClaim = 0;
  /** Entries whose deliveries are enqueued, acknowledged with a later read (or on stop). */
  private unacked: string[] = [];
  /** When the oldest entry of `unacked` was handled. */
  private unackedSince = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly claimIdleMs: number;
  private readonly ackEvery: number;

  constructor(private readonly options: DispatcherOptions) {
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.ackEvery = ackEveryMs(this.claimIdleMs);
  }

  /** Creates the group if need be, then claims what a dead consumer left and reads what is new. */
  async start(): Promise<void> {
    const { redis, stream } = this.options;
    try {
      await redis.xgroup('CREATE', stream, DISPATCH_GROUP, '$', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
    await this.refreshHooks();
    this.running = true;
    // entries appended while no dispatcher ran do not wait for the next event
    this.missed = true;
    this.inFlight += 1;
    this.step(async () => undefined);
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
   * The ride for the tail reader's next read: the acknowledgement of the entries handled before, when one is
   * due (run at once), then the `XREADGROUP` and the hooks' version, which Redis answers once the read has
   * returned, so it covers every hook written before the entries read. Acknowledgements wait (see
   * ack-schedule.ts): at most a second, or a quarter of the claim's idle time; the read blocks no longer than
   * until the next falls due. An entry handled but not yet acknowledged when its dispatcher dies is handled
   * again by the one that claims it, and its job id keeps the delivery single.
   */
  board(): Ride | undefined {
    if (!this.running) return undefined;
    if (this.inFlight >= 2) {
      this.missed = true;
      return undefined;
    }
    this.inFlight += 1;
    const acking = this.dueAcks();
    const { stream } = this.options;
    return {
      maxBlockMs: readBlockMs(
        Number.POSITIVE_INFINITY,
        this.unacked.length,
        Date.now() - this.unackedSince,
        this.ackEvery,
      ),
      before: (pipeline) => {
        if (!acking) return 0;
        pipeline.xack(stream, DISPATCH_GROUP, ...acking.ids);
        return 1;
      },
      after: (pipeline) => {
        this.addRead(pipeline);
        return 2;
      },
      landed: (replies) => this.step(() => this.handleRead(replies, acking)),
      lost: () => {
        this.putBack(acking);
        this.inFlight -= 1;
      },
    };
  }

  /**
   * Queues `step` (counted in `inFlight` by the caller) after the others, then whatever fell due meanwhile: a
   * claim, a read of its own. Handled entries left waiting for an acknowledgement get the timer.
   */
  private step(step: () => Promise<void>): void {
    this.work = this.work.then(async () => {
      try {
        await step();
        while (this.running) {
          if (Date.now() - this.lastClaim > Math.min(this.claimIdleMs, 10_000)) await this.claimAbandoned();
          else if (this.missed) {
            this.missed = false;
            await this.readOwn();
          } else break;
        }
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        // what was read and not handled stays pending, and is claimed after the claim's idle time
        if (this.failures === 1 && this.running)
          this.options.logger.warn('dispatcher: read or enqueue failed, retrying', {
            error: (err as Error).message,
          });
      } finally {
        this.inFlight -= 1;
        if (this.running && this.unacked.length > 0 && !this.ackTimer) this.armAckTimer();
      }
    });
  }

  private addRead(pipeline: ChainableCommander): void {
    pipeline
      .callBuffer(
        'XREADGROUP',
        'GROUP',
        DISPATCH_GROUP,
        this.consumer,
        'COUNT',
        READ_COUNT,
        'STREAMS',
        this.options.stream,
        '>',
      )
      .get(this.options.hooks.versionKey);
  }

  /** Handles a read's replies (an acknowledgement's first, if one went with it). */
  private async handleRead(replies: PipelineReply[], acking: Acking | undefined): Promise<void> {
    let read: unknown;
    let version: unknown;
    try {
      [read, version] = pipelineResults(replies, acking ? 3 : 2).slice(-2);
    } catch (err) {
      // an acknowledgement that may not have happened is sent again (XACK is idempotent)
      this.putBack(acking);
      throw err;
    }
    const raw = (read as [Buffer, RawBufferEntry[]][] | null)?.[0]?.[1] ?? [];
    // a full batch: there may be more, which no event may come to fetch
    if (raw.length >= READ_COUNT) this.missed = true;
    if (raw.length > 0)
      await this.handle(raw, { version: (version as string | null) ?? '0', ackLater: true });
  }

  /** A read on the command connection, not blocking: for when the tail reader went on without a ride. */
  private async readOwn(): Promise<void> {
    const acking = this.dueAcks();
    const pipeline = this.options.redis.pipeline();
    if (acking) pipeline.xack(this.options.stream, DISPATCH_GROUP, ...acking.ids);
    this.addRead(pipeline);
    let replies: PipelineReply[];
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (err) {
      this.putBack(acking);
      throw err;
    }
    await this.handleRead(replies, acking);
  }

  /** Acknowledges what fell due when no ride took it (no event came meanwhile). */
  private async ackOwn(): Promise<void> {
    const acking = this.dueAcks();
    if (!acking) return;
    try {
      await this.options.redis.xack(this.options.stream, DISPATCH_GROUP, ...acking.ids);
    } catch (err) {
      this.putBack(acking);
      throw err;
    }
  }

  /** Takes the waiting acknowledgements out when they are due. */
  private dueAcks(): Acking | undefined {
    if (!ackDue(this.unacked.length, Date.now() - this.unackedSince, this.ackEvery)) return undefined;
    const acking = { ids: this.unacked, since: this.unackedSince };
    this.unacked = [];
    return acking;
  }

  private putBack(acking: Acking | undefined): void {
    if (!acking || acking.ids.length === 0) return;
    this.unacked = acking.ids.concat(this.unacked);
    this.unackedSince = acking.since;
  }

  /**
   * Handled entries wait for a ride to take their acknowledgement; when they fall due and none has (the stream
   * went quiet), they are acknowledged on the command connection. After a failure it tries again no sooner
   * than 100 ms per failure in a row (at most 1 s), not in a tight loop while Redis is away.
   */
  private armAckTimer(): void {
    const untilDue = this.ackEvery - (Date.now() - this.unackedSince);
    this.ackTimer = setTimeout(
      () => {
        this.ackTimer = undefined;
        if (!this.running || this.unacked.length === 0) return;
        this.inFlight += 1;
        this.step(() => this.ackOwn());
      },
      Math.max(1, untilDue, Math.min(100 * this.failures, 1000)),
    );
    this.ackTimer.unref();
  }

  /** Takes over entries another consumer left pending for longer than `idleMs`, and handles them. */
  private async claimAbandoned(): Promise<void> {
    this.lastClaim = Date.now();
    let cursor = '0-0';
    do {
      const [next, raw] = (await this.options.redis.xautoclaim(
        this.options.stream,
        DISPATCH_GROUP,
        this.consumer,
        this.claimIdleMs,
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
   * Enqueues the deliveries of a batch of entries, then acknowledges them: at once, or (`ackLater`, what a ride
   * or a read of its own read) with a later read. `version`: the hooks' version read after the entries, if the
   * caller has it. With no hook at all the entries are only acknowledged, not decoded (rides and own reads get
   * them as buffers, so that nothing is converted to text for nothing).
   */
  async handle(
    raw: readonly (RawEntry | RawBufferEntry)[],
    options: { version?: string; ackLater?: boolean } = {},
  ): Promise<void> {
    const { stream, redis } = this.options;
    await this.refreshHooks(options.version);
    if (this.hookList.length > 0) await this.enqueue(raw.map(asText));
    const ids = raw.map(([id]) => String(id));
    if (options.ackLater) {
      if (this.unacked.length === 0) this.unackedSince = Date.now();
      this.unacked.push(...ids);
    } else await redis.xack(stream, DISPATCH_GROUP, ...ids);
  }

  /** Adds one job per commit and matching hook (its id derived from both, so a second add is a no-op). */
  private async enqueue(raw: readonly RawEntry[]): Promise<void> {
    // a withdrawn entry is no event: only acknowledged
    const entries = decodeEntries(raw);
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
          ...(await this.options.store.range(last.streamId, '+', last.remaining, this.options.redis)).events,
        );
      }
    }
    return commits;
  }

  /**
   * Stops riding and reading, lets what is being handled finish, and acknowledges what was handled. Call it
   * once the tail reader has stopped (a ride out then is lost, its acknowledgement put back).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    await this.work;
    const ids = this.unacked;
    this.unacked = [];
    if (ids.length === 0) return;
    try {
      await this.options.redis.xack(this.options.stream, DISPATCH_GROUP, ...ids);
    } catch (err) {
      // left pending: another dispatcher claims them, and their job ids keep the deliveries single
      this.options.logger.warn('dispatcher: could not acknowledge on stop', {
        count: ids.length,
        error: (err as Error).message,
      });
    }
  }
}
