import type { Redis } from 'ioredis';
import type { StoredEvent } from '../events/event.js';
import type { RawEntry } from '../events/event-store.js';
import { decodeEntry } from '../events/serialize.js';
import type { Logger } from '../logging/logger.js';
import { StopSignal } from '../redis/stop-signal.js';

export interface TailReaderOptions {
  readonly redis: Redis;
  readonly stream: string;
  readonly logger: Logger;
  readonly onEntries: (entries: StoredEvent[]) => void;
  readonly blockMs?: number;
  readonly count?: number;
}

/**
 * The one blocking reader of a process: loops `XREAD BLOCK` from the last id it saw, on a connection of its
 * own, and hands each batch to the fan-out. After a Redis outage it resumes from that same id, so nothing
 * appended meanwhile is skipped.
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
    const { redis, stream, logger } = this.options;
    const blockMs = this.options.blockMs ?? 5000;
    const count = this.options.count ?? 1000;
    let failures = 0;
    while (this.running) {
      try {
        const read = redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, this.lastId) as Promise<
          [string, RawEntry[]][] | null
        >;
        const reply = await this.stopSignal.race(read);
        if (!this.running) break;
        failures = 0;
        const raw = reply?.[0]?.[1];
        if (!raw || raw.length === 0) continue;
        const entries = raw.map(([id, fields]) => decodeEntry(id, fields));
        this.lastId = (raw[raw.length - 1] as RawEntry)[0];
        this.options.onEntries(entries);
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
