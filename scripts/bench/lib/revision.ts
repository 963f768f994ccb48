import { spawnSync } from 'node:child_process';

/** The commit measured, and whether src/ differed from it (uncommitted changes were measured too). */
export function sourceRevision(root: string): string {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
  return dirty > 0 ? `${commit} + ${dirty} uncommitted change(s) under src/` : commit;
}
