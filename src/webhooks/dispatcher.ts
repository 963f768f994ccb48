import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StoredEvent } from '../events/event.js';
import type { EventStore, RawEntry } from '../events/event-store.js';
import { decodeEntry } from '../events/serialize.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import { StopSignal } from '../redis/stop-signal.js';
import { type DeliveryJobData, deliveryJobId } from './delivery-job.js';
import type { Hook } from './hook.js';
import { compileHookFilter, hookFilterOf } from './hook-matching.js';
import type { HookStore } from './hook-store.js';

export const DISPATCH_GROUP = 'dispatch';

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
  async refreshHooks(): Promise<void> {
    const version = await this.options.hooks.version();
    if (version === this.hooksVersion) return;
    const list = await this.options.hooks.list();
    this.hookList = list.map(({ hook }) => ({ hook, matches: compileHookFilter(hookFilterOf(hook)) }));
    this.hooksVersion = version;
  }

  private async run(): Promise<void> {
    const { redis, stream, logger } = this.options;
    const claimIdleMs = this.options.claimIdleMs ?? 30_000;
    let failures = 0;
    while (this.running) {
      try {
        if (Date.now() - this.lastClaim > Math.min(claimIdleMs, 10_000))
          await this.claimAbandoned(claimIdleMs);
        const read = redis.xreadgroup(
          'GROUP',
          DISPATCH_GROUP,
          this.consumer,
          'COUNT',
          1000,
          'BLOCK',
          this.options.blockMs ?? 2000,
          'STREAMS',
          stream,
          '>',
        ) as Promise<[string, RawEntry[]][] | null>;
        const reply = await this.stopSignal.race(read);
        if (!this.running) break;
        const raw = reply?.[0]?.[1] ?? [];
        if (raw.length > 0) await this.handle(raw);
        failures = 0;
      } catch (err) {
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

  /** Enqueues the deliveries of a batch of entries, then acknowledges them. */
  async handle(raw: readonly RawEntry[]): Promise<void> {
    const { queue, stream, storeRedis } = this.options;
    const entries = raw.map(([id, fields]) => decodeEntry(id, fields));
    await this.refreshHooks();
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
    if (jobs.length > 0) {
      await queue.addBulk(jobs);
      for (const job of jobs) this.options.metrics.deliveriesEnqueued.inc({ api: job.name });
    }
    await storeRedis.xack(stream, DISPATCH_GROUP, ...entries.map((e) => e.streamId));
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
  }
}
