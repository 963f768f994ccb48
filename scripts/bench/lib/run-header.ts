import {
  type CpuTimes,
  cpuTimes,
  describeMachine,
  loadAverage,
  type Machine,
  stealPercent,
} from './machine.js';
import type { Report } from './report.js';

/** What a run notes as it starts: the machine, the time, its load and CPU counters. */
export interface RunStart {
  readonly at: Date;
  readonly machine: Machine;
  readonly load: [number, number, number];
  readonly cpu: CpuTimes;
}

export function startRun(): RunStart {
  return { at: new Date(), machine: describeMachine(), load: loadAverage(), cpu: cpuTimes() };
}

/** The fields of a report that describe the run itself, read now that it ends. */
export function runHeader(
  start: RunStart,
): Pick<Report, 'date' | 'startedAt' | 'durationS' | 'machine' | 'loadAverage' | 'stealPercent'> {
  return {
    date: start.at.toISOString().slice(0, 10),
    startedAt: start.at.toISOString(),
    durationS: Math.round((Date.now() - start.at.getTime()) / 1000),
    machine: start.machine,
    loadAverage: { start: start.load, end: loadAverage() },
    stealPercent: stealPercent(start.cpu, cpuTimes()),
  };
}
