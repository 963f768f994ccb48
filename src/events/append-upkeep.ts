/**
 * When an append runs the append script's upkeep (the retention check, the length cap, the record of what was
 * trimmed) and when a single event may go as a bare `XADD`.
 *
 * At the fan-out's rate (10 events/s) the script call itself, cold, not its body, costs Redis more than the
 * XADD it wraps: in `redis-cost`, a bare XADD 329 µs of CPU per event, the script on every event 447 µs, this
 * module's way 378 µs; relays side by side, per event with everything else they do, 522 -> 491 µs (medians of
 * 8 rounds; 529 -> 398 with a first prototype). So a single event without an idempotency key is a bare XADD, and the script runs for the
 * upkeep at most this often per process: every `everyMs` (what the script's own retention check waits
 * between two checks) or every `everyAppends` appends (1 % of the length cap), whichever comes first.
 * Commits of several events and idempotent appends always go through the script (atomic, all-or-nothing),
 * and count as upkeep too.
 */

export interface UpkeepLimits {
  readonly retentionMs: number;
  readonly maxLength: number;
}

/** How long the script's retention check waits between two checks (the Lua's `check_every`). */
export function retentionCheckEveryMs(retentionMs: number): number {
  return Math.min(1000, Math.floor(retentionMs / 10));
}

/** Appends between two upkeeps: 1 % of the cap, so the stream passes it by at most that much per process. */
export function upkeepEveryAppends(maxLength: number): number {
  return Math.max(1, Math.floor(maxLength / 100));
}

export class AppendUpkeep {
  private readonly everyMs: number;
  private readonly everyAppends: number;
  private lastAt = Number.NEGATIVE_INFINITY;
  private since = 0;

  constructor(limits: UpkeepLimits) {
    this.everyMs = retentionCheckEveryMs(limits.retentionMs);
    this.everyAppends = upkeepEveryAppends(limits.maxLength);
  }

  /**
   * Whether the append about to be sent at `now` runs the script (true) or may be a bare XADD. `forced`: it
   * runs the script anyway (a commit, an idempotency key). Deciding counts as running: of the appends sent
   * in one turn, only the first takes the script.
   */
  take(now: number, forced = false): boolean {
    if (forced || now - this.lastAt >= this.everyMs || now < this.lastAt || this.since >= this.everyAppends) {
      this.lastAt = now;
      this.since = 0;
      return true;
    }
    this.since += 1;
    return false;
  }
}
