import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Every stdout line so far (JSON logs). */
  readonly lines: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built relay (`dist/src/server.js`, built by `npm test`'s pretest) as a child process, with the given
 * environment. Resolves when it logs that it listens; rejects if it exits first.
 */
export function spawnRelay(env: Record<string, string>, entry = 'dist/src/server.js'): Promise<RelayProcess> {
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
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    void exited.then((code) =>
      reject(new Error(`relay exited (${code}) before listening: ${stderr}${lines.join('\n')}`)),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"relay listening"')) {
        const port = (JSON.parse(line) as { port: number }).port;
        resolve({
          child,
          port,
          baseUrl: `http://127.0.0.1:${port}`,
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
