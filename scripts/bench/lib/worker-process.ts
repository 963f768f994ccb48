import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { freePort } from './ports.js';
import { stopChild, track } from './processes.js';
import { type RelayCredentials, waitReady } from './relay-process.js';

export interface BenchWorker {
  readonly pid: number;
  /** Its own /health, /ready and /metrics (a worker alone serves them on PORT). */
  readonly baseUrl: string;
  /** The environment it was started with, secrets left out (for the results). */
  readonly settings: Record<string, string>;
  /** The last lines it wrote (stdout and stderr), for error reports. */
  output(): string;
  stop(): Promise<void>;
}

export interface WorkerLaunch {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly entry: string;
  /** The relay's admin credentials: the worker gets the same environment as the relay. */
  readonly admin: RelayCredentials;
  /** Environment added to (and overriding) the bench's defaults. */
  readonly env?: Record<string, string>;
  /** Runs it with `--cpu-prof`, the profile written into this directory when it exits. */
  readonly cpuProfDir?: string | undefined;
}

const KEEP_LINES = 200;

/**
 * The built delivery worker (`node dist/workers/delivery-worker.js`) as a child process; resolves once its ops
 * server answers `/ready` (it listens only after the BullMQ worker is ready, just before it logs "delivery
 * worker started").
 */
export async function startWorker(launch: WorkerLaunch): Promise<BenchWorker> {
  const port = await freePort();
  const settings: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_KEY_PREFIX: launch.keyPrefix,
    LOG_LEVEL: 'warn',
    ...launch.env,
  };
  const execArgv: string[] = [];
  if (launch.cpuProfDir) {
    mkdirSync(launch.cpuProfDir, { recursive: true });
    execArgv.push('--cpu-prof', '--cpu-prof-dir', launch.cpuProfDir);
  }
  const child: ChildProcess = track(
    spawn(process.execPath, [...execArgv, launch.entry], {
      env: {
        PATH: process.env.PATH ?? '',
        ...settings,
        REDIS_URL: launch.redisUrl,
        RELAY_ADMIN_CLIENT_ID: launch.admin.clientId,
        RELAY_ADMIN_CLIENT_SECRET: launch.admin.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const lines: string[] = [];
  const keep = (data: Buffer) => {
    for (const line of String(data).split('\n')) if (line) lines.push(line);
    if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const worker: BenchWorker = {
    pid: child.pid as number,
    baseUrl,
    settings: { ...settings, REDIS_URL: launch.redisUrl, RELAY_ADMIN_CLIENT_ID: launch.admin.clientId },
    output: () => lines.join('\n'),
    // SIGTERM: in-flight deliveries finish, and a --cpu-prof profile is written on the way out
    stop: () => stopChild(child, 15_000),
  };
  try {
    await waitReady(baseUrl, child, 30_000, 'delivery worker');
  } catch (err) {
    await worker.stop();
    throw new Error(`${(err as Error).message}\n--- worker output ---\n${worker.output()}`);
  }
  return worker;
}
