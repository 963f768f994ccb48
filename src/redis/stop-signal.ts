/**
 * Ends a blocking read at once when its loop stops. While Redis is down and ioredis waits to reconnect,
 * `disconnect()` leaves queued commands pending for ever, so a loop must not wait for its last read.
 *
 * Each read waits on a promise of its own, forgotten once the read settles: racing every read against one
 * long-lived promise (`Promise.race([read, stopped])`) would attach a reaction to it per read, each holding
 * that read's result, so a loop would keep every batch it ever read.
 */
export class StopSignal {
  private stopped = false;
  private readonly waiting = new Set<() => void>();

  stop(): void {
    this.stopped = true;
    for (const end of this.waiting) end();
    this.waiting.clear();
  }

  /** The read's result, or null as soon as `stop` is called; the abandoned read's late end is ignored. */
  race<T>(read: Promise<T>): Promise<T | null> {
    read.catch(() => undefined); // abandoned on stop: its rejection has no one left to tell
    if (this.stopped) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      const end = () => resolve(null);
      this.waiting.add(end);
      read.then(
        (value) => {
          this.waiting.delete(end);
          resolve(value);
        },
        (err: unknown) => {
          this.waiting.delete(end);
          reject(err);
        },
      );
    });
  }
}
