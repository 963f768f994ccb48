/** Commands of the fan-out publisher process (clients/fanout-publisher.ts). */
export interface RatePublishArgs {
  /** The relay, on loopback. */
  readonly port: number;
  /** The admin key headers. */
  readonly headers: Record<string, string>;
  /** Single-event commits to publish: CONFIG_UPDATED `configEvent(first + n)` for n = 0 … count − 1. */
  readonly count: number;
  readonly first: number;
  /** Event n is sent at start + n × intervalMs, whether or not earlier ones were answered (open loop)… */
  readonly intervalMs: number;
  /** …as long as fewer than this many are unanswered; past it, sending waits (and falls behind schedule). */
  readonly maxInFlight: number;
  /** For the whole run: past it no new request starts. */
  readonly timeoutMs: number;
}

export interface RatePublished {
  /** Its number (event first + n). */
  readonly n: number;
  /** Its `_id`, as the 201 said. */
  readonly id: number;
  /** When the request was sent (wall-clock ms). */
  readonly sentAt: number;
}

export interface RatePublishResult {
  /** Acknowledged events, by n. */
  readonly events: RatePublished[];
  readonly errors: number;
  readonly errorSamples: string[];
  /** Most requests unanswered at once. */
  readonly maxInFlight: number;
}
