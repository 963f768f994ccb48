import type { Resting, StepResult } from './fan-out-step.js';

/** What the fan-out scenario measured, for its figures, table and notes. */
export interface BurstResult {
  readonly method: 'res.write' | 'socket.write';
  readonly clients: number;
  readonly events: number;
  readonly delivered: number;
  readonly lost: number;
  /** First frame's write loop started → last receipt in any client process. */
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  /** `res.write` calls per second inside the write loops (the Node side alone). */
  readonly writesPerSecond: number;
  readonly frameBytes: number;
}

export interface Runs {
  readonly base: Resting;
  readonly steps: StepResult[];
}

export interface FanOutResults {
  readonly relay: Runs;
  readonly naive: Runs;
  readonly raw: Runs;
  readonly bursts: BurstResult[];
}
