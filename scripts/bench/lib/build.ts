import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when `entry` (built JS) is missing or older than a file under `srcDir`. */
export function isStale(entry: string, srcDir: string): boolean {
  return !existsSync(entry) || statSync(entry).mtimeMs < newestMtime(srcDir);
}

/** `npm run build`, output on stderr. */
export function build(root: string): void {
  const run = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (run.status !== 0) throw new Error(`npm run build failed (${run.status ?? run.signal})`);
}
