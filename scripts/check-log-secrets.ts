// The end-of-run check of `npm test` (issue 5): no secret the tests created, sent or received appears in any
// log line written during the run. test/helpers/run-record.ts writes the run directory: `*.log` files (every
// log line of in-process relays and workers, every stdout/stderr line of child processes) and `secrets.txt`
// (one secret per line). `node --import tsx scripts/check-log-secrets.ts <dir>` exits 1, naming file and line
// but never the secret, when a secret appears — or when there were no log lines or no secrets, so that a broken
// recording cannot pass for a clean run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Matches run-record.ts: shorter values are neither recorded nor searched for. */
export const MIN_SECRET_LENGTH = 8;
export const SECRETS_FILE = 'secrets.txt';

export interface Finding {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based line of secrets.txt that holds the secret: where to look, never the secret itself. */
  readonly secretLine: number;
  readonly secretLength: number;
}

export interface ScanReport {
  readonly logFiles: number;
  readonly logLines: number;
  readonly secrets: number;
  readonly findings: readonly Finding[];
  /** Why the run cannot count as clean; empty when it does. */
  readonly problems: readonly string[];
}

export interface Secret {
  readonly value: string;
  readonly line: number;
}

/** The distinct secrets of secrets.txt's text (first line of each kept), short ones left out. */
export function parseSecrets(text: string): Secret[] {
  const seen = new Set<string>();
  const secrets: Secret[] = [];
  text.split('\n').forEach((raw, i) => {
    const value = raw.replace(/\r$/, '');
    if (value.length < MIN_SECRET_LENGTH || seen.has(value)) return;
    seen.add(value);
    secrets.push({ value, line: i + 1 });
  });
  return secrets;
}

/**
 * A matcher over many secrets in one pass per line: secrets indexed by their first MIN_SECRET_LENGTH
 * characters, so each position of a line costs one map lookup whatever the number of secrets.
 */
export function secretMatcher(secrets: readonly Secret[]): (line: string) => Secret[] {
  const byPrefix = new Map<string, Secret[]>();
  for (const secret of secrets) {
    const prefix = secret.value.slice(0, MIN_SECRET_LENGTH);
    const list = byPrefix.get(prefix);
    if (list) list.push(secret);
    else byPrefix.set(prefix, [secret]);
  }
  return (line) => {
    const found = new Set<Secret>();
    for (let i = 0; i + MIN_SECRET_LENGTH <= line.length; i++) {
      const candidates = byPrefix.get(line.slice(i, i + MIN_SECRET_LENGTH));
      if (candidates === undefined) continue;
      for (const secret of candidates) if (line.startsWith(secret.value, i)) found.add(secret);
    }
    return [...found];
  };
}

/** Scans log files (name → text) for the secrets; reports counts, findings and what makes the run unclean. */
export function scanLogs(logs: ReadonlyMap<string, string>, secrets: readonly Secret[]): ScanReport {
  const match = secretMatcher(secrets);
  const findings: Finding[] = [];
  let logLines = 0;
  for (const [file, text] of logs) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    logLines += lines.length;
    lines.forEach((line, i) => {
      for (const secret of match(line)) {
        findings.push({ file, line: i + 1, secretLine: secret.line, secretLength: secret.value.length });
      }
    });
  }
  const problems: string[] = [];
  if (logLines === 0)
    problems.push('no log line was recorded: the log capture is broken, nothing was checked');
  if (secrets.length === 0)
    problems.push('no secret was recorded: the recording is broken, nothing was checked');
  for (const f of findings) {
    problems.push(
      `${f.file}:${f.line}: contains a secret (${f.secretLength} characters; ${SECRETS_FILE} line ${f.secretLine})`,
    );
  }
  return { logFiles: logs.size, logLines, secrets: secrets.length, findings, problems };
}

/** Reads a run directory (every `*.log` file and secrets.txt) and scans it. */
export function checkRunDir(dir: string): ScanReport {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
  const logs = new Map(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')] as const));
  let secretsText = '';
  try {
    secretsText = readFileSync(join(dir, SECRETS_FILE), 'utf8');
  } catch (err) {
    // no secrets file is reported below as "no secret was recorded"; anything else is a real failure
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return scanLogs(logs, parseSecrets(secretsText));
}

function main(argv: readonly string[]): number {
  const dir = argv[0];
  if (dir === undefined) {
    console.error('usage: check-log-secrets <run directory>');
    return 2;
  }
  const report = checkRunDir(dir);
  const summary = `${report.logLines} log lines in ${report.logFiles} files, ${report.secrets} secrets`;
  if (report.problems.length === 0) {
    console.log(`log secrets check: passed (${summary}, no secret in any line)`);
    return 0;
  }
  console.error(`log secrets check: FAILED (${summary}; run directory kept: ${dir})`);
  for (const problem of report.problems) console.error(`  ${problem}`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
