/** Commands of the webhook receiver process (clients/webhook-receiver.ts). */
export interface ListenResult {
  /** The loopback port it listens on; every path answers. */
  readonly port: number;
}

/** What a collection waits for: every one of these event ids, or every one of these webhook-ids. */
export interface CollectArgs {
  readonly eventIds?: readonly number[];
  readonly webhookIds?: readonly string[];
  readonly timeoutMs: number;
  /** Once all have arrived, how long to keep listening for late duplicates. */
  readonly quietMs: number;
}

/** One request received, in arrival order. */
export interface Received {
  readonly webhookId: string;
  /** Wall-clock ms when its headers were parsed (performance.timeOrigin + performance.now()). */
  readonly at: number;
  /** `_id` of each event in `objectsEdited`. */
  readonly ids: readonly number[];
}

export interface CollectResult {
  /** Every request since the last reset, in arrival order. */
  readonly received: Received[];
  readonly timedOut: boolean;
  /** Requests since the last reset whose webhook-id had arrived before (since the receiver started). */
  readonly duplicates: number;
  /** Requests since the last reset without a webhook-id or without a readable `objectsEdited`. */
  readonly malformed: number;
  /** CPU the receiver used since the last reset. */
  readonly cpuMs: number;
  readonly waitedMs: number;
}

/** The last request received, to send the same bytes directly (the baseline). */
export interface Sample {
  readonly body: string;
  readonly headers: Record<string, string>;
}
