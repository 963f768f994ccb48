import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_SECRET_LENGTH, SECRETS_FILE } from '../../scripts/check-log-secrets.js';

/**
 * The whole-run record that lets `scripts/check-log-secrets.ts` prove no secret reached a log line (issue 5).
 * When `RELAY_TEST_LOG_DIR` is set (scripts/run-tests.mjs sets it to a fresh directory for one `npm test`):
 * - every log line of an in-process relay or worker (log-capture.ts) and every stdout/stderr line of a child
 *   process (service-process.ts) is appended to a `*.log` file there;
 * - every secret the helpers create, send or receive (admin secrets, API key secrets, browser tokens, webhook
 *   signing secrets, the secrets in a child's environment) is appended to `secrets.txt` there, one per line.
 * Without it (a single test file run by hand) nothing is written. Writes are synchronous appends, so a test
 * process that exits at once loses nothing, and several test processes share the directory safely.
 */

export const LOG_DIR_VARIABLE = 'RELAY_TEST_LOG_DIR';

function runDir(): string | undefined {
  const dir = process.env[LOG_DIR_VARIABLE];
  return dir === undefined || dir === '' ? undefined : dir;
}

const recorded = new Set<string>();

/** Records a secret (and its URL-encoded form) for the end-of-run log scan; ignores short or empty values. */
export function recordSecret(value: unknown): void {
  const dir = runDir();
  if (dir === undefined || typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  if (/[\r\n]/.test(value)) throw new Error('a secret spanning lines cannot be recorded one per line');
  const forms = new Set([value, encodeURIComponent(value)]);
  const fresh = [...forms].filter((f) => !recorded.has(f));
  if (fresh.length === 0) return;
  for (const f of fresh) recorded.add(f);
  mkdirSync(dir, { recursive: true });
  appendLines(join(dir, SECRETS_FILE), fresh);
}

/** Records a key's secret, and the HTTP Basic value it makes with its clientId. */
export function recordCredentials(creds: { readonly clientId: string; readonly clientSecret: string }): void {
  recordSecret(creds.clientSecret);
  if (creds.clientSecret.length >= MIN_SECRET_LENGTH) {
    recordSecret(Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64'));
  }
}

/** Environment variables whose values are secrets (a child's RELAY_ADMIN_CLIENT_SECRET, TOKEN_SECRET…). */
export function recordSecretEnv(env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (/SECRET|TOKEN|PASSWORD/i.test(name)) recordSecret(value);
  }
}

let sequence = 0;

export interface RunLog {
  /** Appends one line (a trailing newline is added). */
  write(line: string): void;
}

/**
 * A log file of this run for one source (`relay-in-process`, `child-dist-src-server`…), or a sink that keeps
 * nothing when no run directory is set. Opened on first write.
 */
export function runLog(source: string): RunLog {
  const dir = runDir();
  if (dir === undefined) return { write: () => undefined };
  const name = `${source.replace(/[^A-Za-z0-9_.-]+/g, '-')}-${process.pid}-${++sequence}.log`;
  let fd: number | undefined;
  return {
    write(line) {
      if (fd === undefined) {
        mkdirSync(dir, { recursive: true });
        fd = openSync(join(dir, name), 'a'); // closed by the process's exit, so no line is ever lost
      }
      writeSync(fd, `${line}\n`);
    },
  };
}

function appendLines(path: string, lines: readonly string[]): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, lines.map((l) => `${l}\n`).join(''));
  } finally {
    closeSync(fd);
  }
}
