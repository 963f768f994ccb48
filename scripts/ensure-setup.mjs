// Runs before `npm start` and `npm test` (as prestart/pretest), with nothing but Node: installs the locked
// dependencies when node_modules is missing or older than the lockfile, builds dist/ when a source is newer,
// and, for tests, makes sure redis-server and chromium are there (installing them from Debian's packages when
// root).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const mode = process.argv[2] ?? 'start';

function run(cmd, args) {
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) {
    console.error(`setup: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.log('setup: installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const built = 'dist/src/main.js';
const sources = ['src', 'workers', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].filter(
  existsSync,
);
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest))) {
  console.log('setup: building dist/ (npm run build)');
  run('npm', ['run', 'build', '--silent']);
}

// The tests need redis-server (every suite) and Debian's chromium (the browser tests drive /usr/bin/chromium
// with playwright-core, which downloads no browser). `npm start` needs neither: it installs redis-server itself
// when it has to start one (src/runtime/embedded-redis.ts).
const runs = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const missing = mode === 'test' ? ['redis-server', 'chromium'].filter((cmd) => !runs(cmd)) : [];
if (missing.length > 0) {
  const root = process.getuid?.() === 0;
  if (!root || !runs('apt-get')) {
    console.error(
      `setup: the tests need ${missing.join(' and ')}. Install: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`setup: installing ${missing.join(', ')} (apt-get)`);
  run('apt-get', ['update']);
  // chromium's fonts are only recommended: without them a page's text may render as boxes in screenshots
  const packages = missing.flatMap((cmd) => (cmd === 'chromium' ? ['chromium', 'fonts-liberation'] : [cmd]));
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);
}
