import type { ChildProcess } from 'node:child_process';

/**
 * Every process the bench starts, so that all of them are stopped at the end, on error and on Ctrl-C:
 * SIGTERM first (Redis flushes its AOF, the relay ends its streams), SIGKILL after a grace period.
 */
const running = new Set<ChildProcess>();
/** Run once every child is gone (temporary directories). */
const cleanups: (() => void)[] = [];

export function atCleanup(fn: () => void): void {
  cleanups.push(fn);
}

export function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Stops one child by its pid: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
  for (const fn of cleanups.splice(0)) fn();
}

/** On Ctrl-C or SIGTERM: stop every child, then exit. */
export function stopAllOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n[bench] ${signal}: stopping ${running.size} child process(es)\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
