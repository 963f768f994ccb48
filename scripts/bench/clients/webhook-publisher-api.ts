/** Commands of the publisher process (clients/webhook-publisher.ts). */
export interface PublishArgs {
  /** The relay, on loopback. */
  readonly port: number;
  /** The admin key headers. */
  readonly headers: Record<string, string>;
  /** Commits to publish (one CONFIG_UPDATED event each). */
  readonly count: number;
  /** Number of the first event, so that keys and payloads differ from run to run. */
  readonly first: number;
  /** Requests in flight at once (full rate). Ignored when `intervalMs` is set. */
  readonly concurrency: number;
  /** Paced: one request at a time, each started this long after the previous one was (when it is done). */
  readonly intervalMs?: number;
  /** For the whole run: past it no new request starts. */
  readonly timeoutMs: number;
}

export interface PublishResult {
  /** Per commit acknowledged (201), in the order they were sent: the event's `_id`… */
  readonly ids: number[];
  /** …when the request was sent (wall-clock ms)… */
  readonly sentAt: number[];
  /** …and when its 201 was read (wall-clock ms). */
  readonly ackAt: number[];
  /** Requests that got no 201. */
  readonly errors: number;
  readonly errorSamples: string[];
  /** First request sent → last answer read. */
  readonly ms: number;
  readonly cpuMs: number;
}
