import type { ChainableCommander, Redis } from 'ioredis';
import type { StoredEvent } from '../events/event.js';
import type { RawEntry } from '../events/event-store.js';
import { decodeEntries } from '../events/serialize.js';
import type { Logger } from '../logging/logger.js';
import { StopSignal } from '../redis/stop-signal.js';

/** A command's reply in a pipeline: its error, or its value. */
export type PipelineReply = [error: Error | null, value: unknown];

/**
 * Commands sent with one of the tail reader's reads, in the same pipeline on its connection (the dispatcher's:
 * src/webhooks/dispatcher.ts). Those `after` the blocking XREAD wait behind it, and Redis runs them as soon as
 * it returns, in the same pass as the append that woke it: they share that append's fsync, and the process
 * sends one read per event instead of one per reader.
 */
export interface Ride {
  /** Adds the commands Redis runs at once, before the XREAD; returns how many. */
  readonly before: (pipeline: ChainableCommander) => number;
  /** Adds the commands Redis runs once the XREAD returns; returns how many. */
  readonly after: (pipeline: ChainableCommander) => number;
  /** The longest this read may block. */
  readonly maxBlockMs: number;
  /** The replies of `before`'s then `after`'s commands. */
  readonly landed: (replies: PipelineReply[]) => void;
  /** The pipeline failed, or the reader stopped before it returned: any of the commands may have run. */
  readonly lost: () => void;
}

/** Who rides: asked before every read. */
export interface ReadRider {
  /** The ride for the next read, or undefined to let it go without one. */
  board(): Ride | undefined;
}

export interface TailReaderOptions {
  readonly redis: Redis;
  readonly stream: string;
  readonly logger: Logger;
  readonly onEntries: (entries: StoredEvent[]) => void;
  readonly rider?: ReadRider;
  readonly blockMs?: number;
  readonly count?: number;
}

/**
 * The one blocking reader of a process: loops `XREAD BLOCK` from the last id it saw, on a connection of its
 * own, and hands each batch to the fan-out (and each ride's replies to its rider). After a Redis outage it
 * resumes from that same id, so nothing appended meanwhile is skipped.
 */
export class TailReader {
  private lastId: string;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly stopSignal = new StopSignal();

  constructor(
    private readonly options: TailReaderOptions,
    startId: string,
  ) {
    this.lastId = startId;
  }

  get position(): string {
    return this.lastId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { redis, stream, logger, rider } = this.options;
    const blockMs = this.options.blockMs ?? 5000;
    const count = this.options.count ?? 1000;
    let failures = 0;
    while (this.running) {
      const ride = rider?.board();
      try {
        const pipeline = redis.pipeline();
        const before = ride ? ride.before(pipeline) : 0;
        const block = ride ? Math.min(blockMs, ride.maxBlockMs) : blockMs;
        pipeline.xread('COUNT', count, 'BLOCK', block, 'STREAMS', stream, this.lastId);
        if (ride) ride.after(pipeline);
        let replies: PipelineReply[] | null;
        try {
          replies = await this.stopSignal.race(pipeline.exec());
        } catch (err) {
          ride?.lost();
          throw err;
        }
        if (!replies) {
          ride?.lost();
          break;
        }
        const [readError, reply] = replies[before] ?? [new Error('tail reader: no reply to XREAD'), null];
        // the rider first (what it read is handled even when stopping): its handling goes on asynchronously
        // while the fan-out writes
        ride?.landed([...replies.slice(0, before), ...replies.slice(before + 1)]);
        if (!this.running) break;
        if (readError) throw readError;
        failures = 0;
        const raw = (reply as [string, RawEntry[]][] | null)?.[0]?.[1];
        if (!raw || raw.length === 0) continue;
        // read on after the last entry, a withdrawn one included; the fan-out gets the events
        this.lastId = (raw[raw.length - 1] as RawEntry)[0];
        const entries = decodeEntries(raw);
        if (entries.length > 0) this.options.onEntries(entries);
      } catch (err) {
        if (!this.running) break;
        failures += 1;
        if (failures === 1)
          logger.warn('tail reader: read failed, retrying', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, Math.min(100 * failures, 1000)));
      }
    }
  }

  /**
   * Stops the loop and closes its connection. The pending XREAD is not awaited: while Redis is down and
   * ioredis waits to reconnect, `disconnect()` leaves queued commands pending for ever.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.stop();
    this.options.redis.disconnect();
    await this.loop;
  }
}
