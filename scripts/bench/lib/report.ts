import type { Machine } from './machine.js';

/** One measured figure, with the goal it is held to, if any. */
export interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** e.g. `≤ 20 KB`; `met` says whether the value meets it. */
  readonly goal?: string;
  readonly met?: boolean;
}

export interface Section {
  readonly title: string;
  readonly figures: Figure[];
  /** How it was measured, and anything to read the figures by. */
  readonly notes: string[];
  /** Figures that read best side by side (e.g. one row per step), shown after the figures. */
  readonly tables?: Table[];
  /** Raw per-run or per-process data, kept in the JSON only. */
  readonly details?: Record<string, unknown>;
}

export interface Table {
  readonly title: string;
  readonly columns: string[];
  readonly rows: (string | number)[][];
}

export interface Report {
  /** The heading and the command that wrote it (`Benchmark results`, `npm run bench` when not given). */
  readonly title?: string;
  readonly command?: string;
  readonly date: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
  /** CPU time stolen by the hypervisor over the run (% of all CPU time): other guests on the same host. */
  readonly stealPercent: number;
  readonly setup: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly sections: Section[];
  /** Keys of the figures quoted first, in the summary. */
  readonly headline: string[];
}

export function figure(
  key: string,
  label: string,
  value: number,
  unit: string,
  goal?: { text: string; met: boolean },
): Figure {
  return goal ? { key, label, value, unit, goal: goal.text, met: goal.met } : { key, label, value, unit };
}

/** Rounds to a readable number of significant digits. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = 10 ** Math.max(0, digits - 1 - magnitude);
  return Math.round(value * factor) / factor;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The `p`-th percentile (0–100, nearest rank) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}
