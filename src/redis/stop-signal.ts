/**
 * Ends a blocking read at once when its loop stops. While Redis is down and ioredis waits to reconnect,
 * `disconnect()` leaves queued commands pending for ever, so a loop must not wait for its last read.
 */
export class StopSignal {
  private fire: () => void = () => undefined;
  private readonly stopped = new Promise<null>((resolve) => {
    this.fire = () => resolve(null);
  });

  stop(): void {
    this.fire();
  }

  /** The read's result, or null as soon as `stop` is called; the abandoned read's late end is ignored. */
  race<T>(read: Promise<T>): Promise<T | null> {
    read.catch(() => undefined); // abandoned on stop: its rejection has no one left to tell
    return Promise.race([read, this.stopped]);
  }
}
