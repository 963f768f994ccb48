import { parseArgs } from 'node:util';
import { type FaultSummary, formatSummary } from '../../../test/helpers/fault-tally.js';

/**
 * The frame of every chaos script: integer flags with defaults, progress on stderr, a summary line
 * (published/acked/received/delivered/lost/duplicates) and the run's details on stdout, and the exit code:
 * 1 when anything was lost or a check failed, 2 on bad flags. The fault runs themselves live in
 * test/helpers/faults/, where the fault tests call the same code with short settings.
 */

export interface Flag {
  readonly default: number;
  readonly help: string;
}

export interface ChaosOutcome {
  readonly summary: FaultSummary;
  /** Figures worth printing besides the summary. */
  readonly details: Record<string, unknown>;
  /** Checks that failed besides a loss (duplicates where none are allowed, slow refusals…). */
  readonly failures: string[];
}

export async function runChaos<F extends Record<string, Flag>>(
  name: string,
  what: string,
  flags: F,
  run: (values: { [K in keyof F]: number }, progress: (line: string) => void) => Promise<ChaosOutcome>,
): Promise<void> {
  const usage = [
    `node --import tsx scripts/chaos/${name}.ts [options]   (npm run chaos:${name} -- [options])`,
    what,
    ...Object.entries(flags).map(([k, f]) => `${`  --${k} N`.padEnd(30)}${f.help} (default ${f.default})`),
    `${'  --json'.padEnd(30)}print the outcome as JSON`,
  ].join('\n');
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      options: {
        ...Object.fromEntries(Object.keys(flags).map((k) => [k, { type: 'string' as const }])),
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const values = {} as { [K in keyof F]: number };
  for (const [k, f] of Object.entries(flags)) {
    const text = parsed.values[k] as string | undefined;
    const value = text === undefined ? f.default : Number(text);
    if (!Number.isFinite(value) || value < 0) {
      process.stderr.write(`--${k}: not a number ≥ 0: ${text}\n${usage}\n`);
      process.exit(2);
    }
    values[k as keyof F] = value;
  }
  const started = Date.now();
  const progress = (line: string) =>
    process.stderr.write(`[${name} ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  progress(`settings ${JSON.stringify(values)}`);
  const outcome = await run(values, progress);
  const failures = [...outcome.failures];
  if (outcome.summary.lost > 0) failures.unshift(`${outcome.summary.lost} lost`);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (parsed.values.json) {
    process.stdout.write(
      `${JSON.stringify({ name, settings: values, seconds, ...outcome, failures }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${name}: ${formatSummary(outcome.summary)} (${seconds} s)\n`);
    for (const [k, v] of Object.entries(outcome.details))
      process.stdout.write(`  ${k}: ${JSON.stringify(v)}\n`);
    process.stdout.write(failures.length === 0 ? 'PASS\n' : `FAIL: ${failures.join('; ')}\n`);
  }
  process.exitCode = failures.length === 0 ? 0 : 1;
}
