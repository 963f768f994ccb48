// Lists the test files (Node 20's test runner expands no globs) and runs them with node:test through tsx.
// `node scripts/run-tests.mjs [unit|integration|e2e ...]`; no argument runs every suite, cheapest first.
// Then, when a suite that starts relays ran, the log-secrets check (scripts/check-log-secrets.ts) reads the run
// directory the test helpers filled (test/helpers/run-record.ts): no recorded secret may appear in any log line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function testFiles(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const files = suites.flatMap((suite) => testFiles(join('test', suite)));
if (files.length === 0) {
  console.error(`no test files in ${suites.join(', ')}`);
  process.exit(1);
}
const runDir = mkdtempSync(join(tmpdir(), 'relay-test-run-'));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', RELAY_TEST_LOG_DIR: runDir } },
);
const testStatus = result.status ?? 1;

// The unit suite starts no relay and creates no key: there it would have nothing to check.
let checkStatus = 0;
if (suites.some((s) => s !== 'unit')) {
  const check = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-log-secrets.ts', runDir], {
    stdio: 'inherit',
  });
  checkStatus = check.status ?? 1;
} else {
  console.log('log secrets check: not run (the unit suite starts no relay)');
}
if (checkStatus === 0) rmSync(runDir, { recursive: true, force: true });
process.exit(testStatus !== 0 ? testStatus : checkStatus);
