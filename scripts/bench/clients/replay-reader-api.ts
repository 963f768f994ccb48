import type { SseTarget } from './sse-target.js';

/** Commands of the replay reader process (clients/replay-reader.ts). */
export interface ReplayArgs {
  /** Its headers carry `Last-Event-Id`. */
  readonly target: SseTarget;
  /** Events to read before hanging up. */
  readonly expected: number;
  readonly timeoutMs: number;
}

export interface ReplayResult {
  readonly status: number;
  readonly received: number;
  /** From sending the request to the first event frame parsed. */
  readonly firstEventMs: number;
  /** From sending the request to the last expected event parsed. */
  readonly totalMs: number;
  readonly bytes: number;
  readonly firstId: number | undefined;
  readonly lastId: number | undefined;
  /** Frames with an id not above the previous one. */
  readonly disordered: number;
  /** `event: reset` frames (history trimmed: none expected). */
  readonly resets: number;
  readonly timedOut: boolean;
  /** CPU the reader itself used (it shares the machine with the relay and Redis). */
  readonly clientCpuMs: number;
}
