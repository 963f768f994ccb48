/** Commands of the direct POST process (clients/direct-post.ts): the baseline the webhook latency is held to. */
export interface DirectArgs {
  /** The receiver's URL, on loopback. */
  readonly url: string;
  /** The bytes and headers of a real delivery; `webhook-id` is replaced by `<idPrefix><n>`. */
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly idPrefix: string;
  readonly count: number;
  /** One request at a time, each started this long after the previous one was (when it is done). */
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface DirectResult {
  /** Per request answered 2xx, in order: its webhook-id… */
  readonly webhookIds: string[];
  /** …when the POST was started (wall-clock ms)… */
  readonly sentAt: number[];
  /** …and the round trip, call → whole response read (ms). */
  readonly roundTripMs: number[];
  readonly errors: number;
  readonly errorSamples: string[];
}
