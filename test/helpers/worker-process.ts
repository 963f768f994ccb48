import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[];
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code (null when killed by a signal). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built delivery worker (`dist/workers/delivery-worker.js`, `npm run build` first) as a child process with
 * the given environment (its ops port on 127.0.0.1, port 0, unless `env` says otherwise). Resolves when it logs
 * "delivery worker started"; rejects if it exits first, or kills it and rejects if it has not started within
 * `startTimeoutMs` — so every call settles and no child outlives a failed start.
 */
export function spawnWorker(
  env: Record<string, string>,
  options: { entry?: string; startTimeoutMs?: number } = {},
): Promise<WorkerProcess> {
  const { entry = 'dist/workers/delivery-worker.js', startTimeoutMs = 30_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      // a worker alone serves /health, /ready and /metrics on PORT: port 0, on loopback
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker not started after ${startTimeoutMs} ms: ${stderr}${lines.join('\n')}`));
    }, startTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before starting: ${stderr}${lines.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"delivery worker started"')) {
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid as number,
          lines,
          kill: async (signal = 'SIGTERM') => {
            if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
