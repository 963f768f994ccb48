import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { recordSecretEnv, runLog } from './run-record.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[];
  /** The JSON log line that said it had started. */
  readonly startLine: Record<string, unknown>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code (null when killed by a signal). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A built entry point (`npm test`'s pretest builds dist/) as a child process with `env` (on 127.0.0.1, port 0,
 * unless `env` says otherwise). Resolves when it logs the message `started`; rejects if it exits first, or kills
 * it and rejects if it has not started within `startTimeoutMs`, so every call settles and no child outlives a
 * failed start.
 */
export function spawnService(
  entry: string,
  started: string,
  env: Record<string, string>,
  startTimeoutMs = 30_000,
): Promise<ServiceProcess> {
  // during `npm test`, its secrets and every line it writes go to the run's record (run-record.ts)
  recordSecretEnv(env);
  const log = runLog(`child-${entry}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => log.write(line));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} not started after ${startTimeoutMs} ms: ${stderr}${lines.join('\n')}`));
    }, startTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before starting: ${stderr}${lines.join('\n')}`));
    });
    const marker = `"message":"${started}"`;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      log.write(line);
      if (!line.includes(marker)) return;
      clearTimeout(timer);
      resolve({
        child,
        pid: child.pid as number,
        lines,
        startLine: JSON.parse(line) as Record<string, unknown>,
        kill: async (signal = 'SIGTERM') => {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill(signal);
          return exited;
        },
      });
    });
  });
}
