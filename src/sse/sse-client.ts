import type { ServerResponse } from 'node:http';
import type { EventFilter } from '../events/filter.js';
import type { FanoutChunk } from './fanout-chunk.js';

export type CloseReason = 'client' | 'slow' | 'shutdown' | 'error';

/**
 * One listener's connection. `res.write` never blocks: a client whose unsent bytes pass the cap is cut, and
 * comes back with Last-Event-Id (replay doubles as backpressure). While it replays, live entries are kept
 * aside (under the same cap) and written once the replay is done.
 */
export class SseClient {
  readonly filter: EventFilter;
  /** Entries with a public id up to this one were sent by the replay: live delivery skips them. */
  skipUpTo = -1;
  private buffering: Buffer[] | null;
  private bufferedBytes = 0;
  private closed = false;
  private readonly onClose: (client: SseClient, reason: CloseReason) => void;

  constructor(
    readonly res: ServerResponse,
    filter: EventFilter,
    private readonly maxBufferedBytes: number,
    options: { replaying: boolean; onClose: (client: SseClient, reason: CloseReason) => void },
  ) {
    this.filter = filter;
    this.buffering = options.replaying ? [] : null;
    this.onClose = options.onClose;
    res.once('close', () => this.close('client'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isReplaying(): boolean {
    return this.buffering !== null;
  }

  /** Writes live frames now, or keeps them for after the replay. */
  push(chunk: FanoutChunk): void {
    if (this.closed) return;
    if (this.buffering) {
      if (this.bufferedBytes > this.maxBufferedBytes) {
        this.close('slow');
        return;
      }
      this.bufferedBytes += chunk.data.length;
      this.buffering.push(chunk.data);
      return;
    }
    const res = this.res;
    const socket = res.socket;
    // The fast path: the response is a chunked body whose headers are out and nothing of it waits in the
    // response's own buffer, so the ready-made chunk can go straight to the socket, in order after every earlier
    // write. Anything else (HTTP/1.0, no socket yet, ending) goes through res.write.
    if (
      socket &&
      res.chunkedEncoding &&
      res.headersSent &&
      !res.writableEnded &&
      socket.writable &&
      res.writableLength === socket.writableLength
    ) {
      if (res.writableLength > this.maxBufferedBytes) this.close('slow');
      else socket.write(chunk.chunked);
      return;
    }
    this.write(chunk.data);
  }

  /**
   * Writes now whatever the mode (replay pages, heartbeats). `capped` false is for a writer that waits for
   * `drained` itself (the replay). Returns false once the client is closed.
   */
  write(chunk: Buffer | string, capped = true): boolean {
    if (this.closed) return false;
    // The cap is on the bytes still unsent from earlier writes: a client that keeps up always gets the next
    // chunk, however large (one event, or one batch, may be bigger than the cap).
    if (capped && this.res.writableLength > this.maxBufferedBytes) {
      this.close('slow');
      return false;
    }
    this.res.write(chunk);
    return true;
  }

  /** Ends the replay: writes what arrived live meanwhile, then goes live. */
  goLive(): void {
    const pending = this.buffering;
    this.buffering = null;
    this.bufferedBytes = 0;
    if (pending && pending.length > 0 && !this.closed) this.write(Buffer.concat(pending));
  }

  /** Resolves when the socket has taken what is queued down to `lowWater` bytes, or the client is gone. */
  async drained(lowWater: number): Promise<void> {
    while (!this.closed && this.res.writableLength > lowWater) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.once('drain', done);
        this.res.once('close', done);
      });
    }
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.buffering = null;
    if (reason === 'slow' || reason === 'error') this.res.destroy();
    else if (!this.res.writableEnded) this.res.end();
    this.onClose(this, reason);
  }
}
