import type { SseTarget } from './sse-target.js';

/** Commands of the idle SSE client process (clients/idle-sse.ts). */
export interface OpenArgs {
  readonly target: SseTarget;
  /** Connections to add to those already open. */
  readonly count: number;
  /** Connection attempts in flight at once. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface OpenResult {
  readonly opened: number;
  readonly failed: number;
  /** Connections open now (all calls together). */
  readonly open: number;
  readonly errors: string[];
  readonly ms: number;
}

export interface DeliveryArgs {
  /** The probe events' ids, in publish order: every open connection should receive each exactly once. */
  readonly ids: number[];
  readonly timeoutMs: number;
}

export interface Receipt {
  readonly id: number;
  /** Connections that received it. */
  readonly count: number;
  /** Wall-clock ms of its first and last receipt in this process. */
  readonly first: number;
  readonly last: number;
}

export interface DeliveryResult {
  /** Connections open when the check ended. */
  readonly connections: number;
  /** Connections that closed (by the relay or an error) since they opened. */
  readonly dropped: number;
  /** Connections that received every probe id. */
  readonly complete: number;
  readonly expected: number;
  /** Probe deliveries received (at most one counted per connection and id). */
  readonly delivered: number;
  /** Frames with an id not above the connection's previous one (duplicate or out of order). */
  readonly disordered: number;
  /** Event frames with an id outside the probe set. */
  readonly unexpected: number;
  readonly receipts: Receipt[];
  readonly waitedMs: number;
}

export interface CloseResult {
  readonly closed: number;
}
