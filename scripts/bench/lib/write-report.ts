import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure, Report } from './report.js';

/** Writes `<dir>/<date>.json` and `<dir>/<date>.md`; returns their paths. */
export function writeReport(report: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${report.date}.json`);
  const md = join(dir, `${report.date}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown(report));
  return [md, json];
}

function value(f: Figure): string {
  const text = Number.isInteger(f.value) ? f.value.toLocaleString('en-US') : String(f.value);
  return f.unit ? `${text} ${f.unit}` : text;
}

function goal(f: Figure): string {
  if (!f.goal) return '';
  return `${f.goal} — ${f.met ? 'met' : '**not met**'}`;
}

export function markdown(report: Report): string {
  const m = report.machine;
  const lines = [
    `# ${report.title ?? 'Benchmark results'} — ${report.date}`,
    '',
    `Run started ${report.startedAt}, took ${report.durationS} s (\`${report.command ?? 'npm run bench'}\`).`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cores} × ${m.cpuModel}; memory ${m.memoryGiB} GiB; Linux ${m.kernel}; open files limit ${m.fdLimit}`,
    `- Node ${m.node}, redis-server ${m.redisServer}`,
    `- Load average (1/5/15 min) at start: ${report.loadAverage.start.join(' / ')}; at end: ${report.loadAverage.end.join(' / ')}`,
    `- CPU time stolen by the hypervisor during the run (other guests on the host): ${report.stealPercent} %`,
    '- Load generator, Redis and relay share these cores.',
    '',
    '## Set-up',
    '',
    ...Object.entries(report.setup).map(
      ([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
    ),
    `- Options: ${JSON.stringify(report.options)}`,
    '',
  ];
  const all = report.sections.flatMap((s) => s.figures);
  const headline = report.headline.flatMap((key) => all.filter((f) => f.key === key));
  if (headline.length > 0) {
    lines.push('## Summary', '', '| figure | value | goal |', '|---|---|---|');
    for (const f of headline) lines.push(`| ${f.label} | ${value(f)} | ${goal(f)} |`);
    lines.push('');
  }
  for (const section of report.sections) {
    lines.push(`## ${section.title}`, '', '| figure | value | goal |', '|---|---|---|');
    for (const f of section.figures) lines.push(`| ${f.label} | ${value(f)} | ${goal(f)} |`);
    lines.push('');
    for (const table of section.tables ?? []) {
      lines.push(`### ${table.title}`, '', `| ${table.columns.join(' | ')} |`);
      lines.push(`|${table.columns.map(() => '---').join('|')}|`);
      for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`);
      lines.push('');
    }
    for (const note of section.notes) lines.push(`- ${note}`);
    if (section.notes.length > 0) lines.push('');
  }
  return `${lines.join('\n')}`;
}
