import type { PublishedEvent } from '../clients/fanout-sse-api.js';
import type { FanoutFleet, FanoutTarget } from '../lib/fanout-fleet.js';
import { progress, sleep } from '../lib/progress.js';
import type { BenchContext } from './context.js';
import {
  type Mode,
  type Opening,
  type Resting,
  rest,
  runStep,
  type Server,
  type StepResult,
} from './fan-out-step.js';

/** Selective steps: key patterns the clients are spread over; each event matches one of them. */
export const GROUPS = 10;

/** Paths of one mode: every client on all of domain Config, or on one of 10 key patterns of it. */
export function paths(mode: Mode): string[] {
  if (mode === 'broadcast') return ['/api/events?domains=Config'];
  // configEvent(n) has the key bench:config:<n % 1000>: its last digit is n % 10
  return Array.from({ length: GROUPS }, (_, d) => `/api/events?domains=Config&patterns=bench:config:*${d}`);
}

export interface Under {
  readonly server: Server;
  readonly pid: number;
  readonly port: number;
  readonly headers: Record<string, string>;
  readonly sizes: number[];
  readonly modes: Mode[];
  /** First a step with no client at all: the cost of publishing alone. */
  readonly baseline: boolean;
  readonly publish: () => Promise<{ events: PublishedEvent[]; errors: number }>;
}

/** Grows the fleet through the sizes, a step at each, for each mode; returns the steps and the resting base. */
export async function stepsOf(
  ctx: BenchContext,
  fleet: FanoutFleet,
  under: Under,
): Promise<{ base: Resting; steps: StepResult[] }> {
  const base = await rest(ctx, under.pid, 0, under.server === 'relay');
  const steps: StepResult[] = [];
  const step = (mode: Mode, resting: Resting, opening?: Opening) =>
    runStep(ctx, {
      opening,
      server: under.server,
      mode,
      groups: mode === 'broadcast' ? 1 : GROUPS,
      pid: under.pid,
      resting,
      fleet,
      publish: under.publish,
      seconds: ctx.options.fanoutSeconds,
    });
  if (under.baseline) steps.push(await step('broadcast', base));
  for (const mode of under.modes) {
    const target: FanoutTarget = { port: under.port, headers: under.headers, paths: paths(mode) };
    let open = 0;
    for (const n of under.sizes) {
      const opened = await fleet.open(target, n - open, 180_000);
      open = opened.open;
      if (opened.failed > 0)
        progress(
          `fan-out: ${under.server}: ${opened.failed} connections failed: ${opened.errors.join('; ')}`,
        );
      const opening = { connections: opened.opened, failed: opened.failed, ms: opened.ms };
      steps.push(await step(mode, await rest(ctx, under.pid, open, under.server === 'relay'), opening));
    }
    await fleet.close();
    await sleep(1000);
  }
  return { base, steps };
}
