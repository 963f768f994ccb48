import { round, type Table } from '../lib/report.js';
import type { Runs } from './fan-out-results.js';
import type { Mode, Resting, StepResult } from './fan-out-step.js';

const KB = 1024;
const MB = 1024 * 1024;

/** Redis CPU per event, net of what Redis used per second at rest with the same clients connected. */
export const redisUsPerEvent = (s: StepResult) =>
  ((s.redisCpuS - s.resting.redisIdleCpuPerS * s.seconds) / Math.max(1, s.published)) * 1e6;
const redisTotalUsPerEvent = (s: StepResult) => (s.redisCpuS / Math.max(1, s.published)) * 1e6;
export const serverMsPerEvent = (s: StepResult) => (s.serverCpuS / Math.max(1, s.published)) * 1e3;
/** Only for broadcast, the first mode: memory a process took stays with it after its clients have gone. */
export const rssPerConnKB = (s: StepResult, base: Resting) =>
  s.clients > 0 && s.mode === 'broadcast' ? (s.resting.rss - base.rss) / s.clients / KB : Number.NaN;

export function find(runs: Runs, mode: Mode, clients: number): StepResult | undefined {
  return runs.steps.find((s) => s.mode === mode && s.clients === clients);
}

function row(s: StepResult, base: Resting): (string | number)[] {
  const d = s.delivery;
  const l = d.latency;
  return [
    s.server,
    s.clients === 0 ? '—' : s.mode,
    s.clients.toLocaleString('en-US'),
    s.published,
    round(s.publishRate),
    `${d.delivered.toLocaleString('en-US')} / ${d.expected.toLocaleString('en-US')}`,
    d.lost + d.disordered + d.unexpected + d.dropped,
    round(l.p50),
    round(l.p99),
    round(l.max),
    round(redisTotalUsPerEvent(s)),
    round(redisUsPerEvent(s)),
    round(serverMsPerEvent(s)),
    round(s.serverCpuS / s.seconds),
    round(d.clientCpuS / s.seconds),
    s.redisClients,
    round(s.resting.rss / MB),
    round(rssPerConnKB(s, base)),
  ];
}

const COLUMNS = [
  'server',
  'mode',
  'clients',
  'events',
  'events/s',
  'delivered / expected',
  'lost + dup/disordered + unexpected + dropped',
  'p50 ms',
  'p99 ms',
  'max ms',
  'Redis CPU µs/event (total)',
  'Redis CPU µs/event (net of rest)',
  'server CPU ms/event',
  'server CPU s/s',
  'clients CPU s/s',
  'Redis connected_clients',
  'server RSS MB (resting)',
  'RSS KB per connection',
];

/** One row per step, every server. */
export function stepsTable(runs: Runs[]): Table {
  return { title: 'Steps', columns: COLUMNS, rows: runs.flatMap((r) => r.steps.map((s) => row(s, r.base))) };
}
