import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  checkRunDir,
  MIN_SECRET_LENGTH,
  parseSecrets,
  SECRETS_FILE,
  scanLogs,
  secretMatcher,
} from '../../scripts/check-log-secrets.js';
import { LOG_DIR_VARIABLE, recordCredentials, recordSecret, runLog } from '../helpers/run-record.js';

// Issue 5: the end-of-run scan of every log line for every recorded secret. It must find a secret wherever it
// sits in a line, name file and line without ever printing the secret, and refuse to pass vacuously.

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'log-secrets-test-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const secret = () => randomBytes(24).toString('base64url');

describe('parseSecrets', () => {
  it('keeps distinct secrets of at least the minimum length, with their line in the file', () => {
    const a = secret();
    const text = [a, 'short', '', a, 'x'.repeat(MIN_SECRET_LENGTH), 'crlf-secret-value\r'].join('\n');
    assert.deepEqual(parseSecrets(`${text}\n`), [
      { value: a, line: 1 },
      { value: 'x'.repeat(MIN_SECRET_LENGTH), line: 5 },
      { value: 'crlf-secret-value', line: 6 },
    ]);
  });
});

describe('secretMatcher', () => {
  it('finds a secret at the start, in the middle and at the end of a line, and only there', () => {
    const s = { value: secret(), line: 1 };
    const match = secretMatcher([s]);
    for (const line of [s.value, `${s.value}"}`, `{"x":"${s.value}"}`, `tail ${s.value}`]) {
      assert.deepEqual(match(line), [s], line);
    }
    assert.deepEqual(match(s.value.slice(0, -1)), [], 'a prefix is not the secret');
    assert.deepEqual(match(''), []);
  });

  it('tells apart secrets that share their first characters', () => {
    const a = { value: 'sharedprefix-AAAA', line: 1 };
    const b = { value: 'sharedprefix-BBBB', line: 2 };
    const match = secretMatcher([a, b]);
    assert.deepEqual(match('… sharedprefix-BBBB …'), [b]);
    assert.deepEqual(match('sharedprefix-AAAA sharedprefix-BBBB sharedprefix-AAAA'), [a, b]);
    assert.deepEqual(match('sharedprefix-CCCC'), []);
  });
});

describe('scanLogs', () => {
  it('names the file and line of each finding, and never the secret', () => {
    const leaked = secret();
    const other = secret();
    const logs = new Map([
      ['relay-1.log', `{"message":"ok"}\n{"message":"auth","secret":"${leaked}"}\n`],
      ['child-2.log', `plain line\nstill fine\nthird ${leaked} and again ${leaked}\n`],
    ]);
    const report = scanLogs(logs, parseSecrets(`${other}\n${leaked}\n`));
    assert.equal(report.logFiles, 2);
    assert.equal(report.logLines, 5);
    assert.equal(report.secrets, 2);
    assert.deepEqual(report.findings, [
      { file: 'relay-1.log', line: 2, secretLine: 2, secretLength: leaked.length },
      { file: 'child-2.log', line: 3, secretLine: 2, secretLength: leaked.length },
    ]);
    assert.equal(report.problems.length, 2);
    assert.match(report.problems[0] ?? '', /^relay-1\.log:2: contains a secret/);
    assert.match(report.problems[1] ?? '', /^child-2\.log:3: contains a secret/);
    assert.ok(report.problems.every((p) => !p.includes(leaked)));
  });

  it('passes a clean run', () => {
    const report = scanLogs(new Map([['a.log', '{"message":"ok"}\n']]), parseSecrets(secret()));
    assert.deepEqual(report.problems, []);
  });

  it('fails when there is no log line or no secret: it never passes vacuously', () => {
    const none = scanLogs(new Map(), parseSecrets(secret()));
    assert.match(none.problems.join('\n'), /no log line was recorded/);
    const empty = scanLogs(new Map([['a.log', '']]), parseSecrets(secret()));
    assert.match(empty.problems.join('\n'), /no log line was recorded/);
    const noSecret = scanLogs(new Map([['a.log', 'line\n']]), parseSecrets('short\n'));
    assert.match(noSecret.problems.join('\n'), /no secret was recorded/);
  });
});

describe('the run directory and the command', () => {
  const run = (dir: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-log-secrets.ts', dir], {
      encoding: 'utf8',
    });

  it('reads only *.log files and secrets.txt', () => {
    const dir = tempDir();
    const s = secret();
    writeFileSync(join(dir, SECRETS_FILE), `${s}\n`);
    writeFileSync(join(dir, 'a.log'), 'clean\n');
    writeFileSync(join(dir, 'notes.txt'), `${s}\n`);
    const report = checkRunDir(dir);
    assert.equal(report.logFiles, 1);
    assert.deepEqual(report.problems, []);
  });

  it('exits 0 on a clean run and 1 on a leak, printing file and line but not the secret', () => {
    const dir = tempDir();
    const s = secret();
    writeFileSync(join(dir, SECRETS_FILE), `${s}\n`);
    writeFileSync(join(dir, 'relay.log'), '{"message":"fine"}\n');
    const clean = run(dir);
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /passed \(1 log lines in 1 files, 1 secrets/);

    writeFileSync(join(dir, 'relay.log'), `{"message":"fine"}\n{"message":"leak ${s}"}\n`);
    const leak = run(dir);
    assert.equal(leak.status, 1);
    assert.match(leak.stderr, /FAILED/);
    assert.match(leak.stderr, /relay\.log:2: contains a secret/);
    assert.equal(`${leak.stdout}${leak.stderr}`.includes(s), false, 'the secret is not printed');
  });

  it('exits 1 on an empty run directory', () => {
    const res = run(tempDir());
    assert.equal(res.status, 1);
    assert.match(res.stderr, /no log line was recorded/);
    assert.match(res.stderr, /no secret was recorded/);
  });

  it('catches what the test helpers record: a credential leaked into a captured log line', () => {
    const dir = tempDir();
    const saved = process.env[LOG_DIR_VARIABLE];
    process.env[LOG_DIR_VARIABLE] = dir;
    try {
      const creds = { clientId: 'leaky', clientSecret: secret() };
      recordCredentials(creds);
      recordSecret('short'); // ignored: too short to search for
      const basic = Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64');
      const log = runLog('unit/leak');
      log.write('{"message":"clean"}');
      log.write(`{"message":"request","authorization":"Basic ${basic}"}`);
      log.write(`{"message":"url","url":"/x?s=${encodeURIComponent(`${creds.clientSecret}+`)}"}`);
      const recorded = readFileSync(join(dir, SECRETS_FILE), 'utf8').split('\n').filter(Boolean);
      assert.deepEqual(recorded.slice(0, 2), [creds.clientSecret, basic]);
      assert.ok(recorded.every((r) => r.length >= MIN_SECRET_LENGTH));
      const report = checkRunDir(dir);
      assert.equal(report.logLines, 3);
      assert.deepEqual(
        report.findings.map((f) => f.line),
        [2, 3],
      );
    } finally {
      if (saved === undefined) delete process.env[LOG_DIR_VARIABLE];
      else process.env[LOG_DIR_VARIABLE] = saved;
    }
  });
});
