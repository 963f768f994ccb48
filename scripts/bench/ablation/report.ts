import type { LoadResult } from '../clients/ingest-load-api.js';
import { figure, median, round, type Section } from '../lib/report.js';

/** Issue 4's target for single events, against the bare node:http + XADD server. */
export const SINGLE_RATIO_TARGET = 0.7;

/** CPU seconds per request answered, of the three kinds of process a run keeps busy. */
export interface RunCost {
  readonly result: LoadResult;
  readonly serverCpuS: number;
  readonly loaderCpuS: number;
  readonly redisCpuS: number;
}

/** One round: single-event POSTs to every target, then commits to every relay variant. */
export interface AblationRound {
  readonly singles: Record<string, RunCost>;
  readonly commits: Record<string, RunCost>;
}

export interface TargetInfo {
  readonly name: string;
  /** What it does, or what the step takes out. */
  readonly what: string;
  /** A relay variant (committed to as well), not a peer. */
  readonly relay: boolean;
}

const perRequestUs = (run: RunCost, cpuS: number) => (cpuS / Math.max(1, run.result.ok)) * 1e6;
const serverUs = (run: RunCost) => perRequestUs(run, run.serverCpuS);
const totalUs = (run: RunCost) => perRequestUs(run, run.serverCpuS + run.loaderCpuS + run.redisCpuS);

/**
 * The ladder's table: per target, medians over the rounds of single POSTs/s, their ratio to the bare server
 * (per round, then the median), the server's CPU per POST and what the step saved of it, the CPU of all three
 * processes per POST, and the commits' events/s and CPU per event.
 */
export function ablationSection(
  targets: readonly TargetInfo[],
  rounds: readonly AblationRound[],
  setup: { seconds: number; concurrency: number },
): Section {
  const med = (pick: (r: AblationRound) => number) => median(rounds.map(pick));
  const single = (name: string) => (r: AblationRound) => r.singles[name] as RunCost;
  const ratio = (name: string) =>
    med((r) => single(name)(r).result.requestRate / single('bare')(r).result.requestRate);
  const rows: (string | number)[][] = [];
  const figures = [];
  let before: number | undefined;
  for (const t of targets) {
    const cpu = med((r) => serverUs(single(t.name)(r)));
    const commit = t.relay ? (r: AblationRound) => r.commits[t.name] as RunCost : undefined;
    const saved = t.relay && before !== undefined ? round(before - cpu, 2) : '';
    rows.push([
      t.name,
      t.what,
      Math.round(med((r) => single(t.name)(r).result.requestRate)),
      round(ratio(t.name), 2),
      round(cpu, 3),
      saved,
      round(
        med((r) => totalUs(single(t.name)(r))),
        3,
      ),
      commit ? Math.round(med((r) => commit(r).result.eventRate)) : '',
      commit
        ? round(
            med((r) => serverUs(commit(r)) / (commit(r).result.eventRate / commit(r).result.requestRate)),
            3,
          )
        : '',
    ]);
    if (t.relay) {
      before = cpu;
      const value = round(ratio(t.name), 3);
      figures.push(
        figure(
          `ablation.${t.name}.singleRatio`,
          `single events ÷ bare node:http + XADD, ${t.name}`,
          value,
          '×',
          { text: `≥ ${SINGLE_RATIO_TARGET}`, met: value >= SINGLE_RATIO_TARGET },
        ),
      );
    }
  }
  const first = targets.find((t) => t.relay && ratio(t.name) >= SINGLE_RATIO_TARGET);
  return {
    title: 'Where a publish goes: the relay, then its build with one piece of work taken out at each step',
    figures,
    tables: [
      {
        title: `Single events and commits of 100, medians of ${rounds.length} rounds`,
        columns: [
          'target',
          'what it does / what the step takes out',
          'single POSTs/s',
          '÷ bare',
          'server CPU µs per POST',
          'µs saved by the step',
          'CPU µs per POST, server + load + Redis',
          'commits: events/s',
          'commits: server CPU µs per event',
        ],
        rows,
      },
      {
        title: 'Single POSTs/s per round',
        columns: ['round', ...targets.map((t) => t.name)],
        rows: rounds.map((r, i) => [
          i + 1,
          ...targets.map((t) => Math.round(single(t.name)(r).result.requestRate)),
        ]),
      },
    ],
    notes: [
      `Each round runs every target for ${setup.seconds} s of single-event POSTs (${setup.concurrency} in flight, the ingest scenario's bodies and load process), then every relay variant for ${setup.seconds} s of commits of 100; the order of the targets alternates between rounds. The ratio to the bare server is taken within each round, then the median over the rounds.`,
      'Steps are cumulative: each variant lacks what the ones above it lack. The variants are copies of the built relay with text patches (scripts/bench/ablation/steps.ts); none is a configuration the relay can run with. Every variant answers the same 201 with the same body.',
      'Load generator, Redis and server share the machine’s cores, so a POST’s rate follows the CPU all three spend on it (the column “server + load + Redis”) more than the server’s alone.',
      first
        ? `The first variant at or above ${SINGLE_RATIO_TARGET} of the bare server in this run: ${first.name}.`
        : `No variant reached ${SINGLE_RATIO_TARGET} of the bare server in this run.`,
      'Errors (any answer but 201) over all runs: ' +
        `${rounds.reduce((n, r) => n + Object.values(r.singles).reduce((m, c) => m + c.result.errors, 0) + Object.values(r.commits).reduce((m, c) => m + c.result.errors, 0), 0)}.`,
    ],
    details: { rounds },
  };
}
