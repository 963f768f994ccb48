import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { freePort } from './ports.js';
import { hasExited, stopChild, track } from './processes.js';
import { sleep } from './progress.js';

export interface RelayCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface BenchRelay {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  readonly admin: RelayCredentials;
  /** The environment it was started with, secrets left out (for the results). */
  readonly settings: Record<string, string>;
  /** The last lines it wrote (stdout and stderr), for error reports. */
  output(): string;
  stop(): Promise<void>;
}

export interface RelayLaunch {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly entry: string;
  /** Environment added to (and overriding) the bench's defaults. */
  readonly env?: Record<string, string>;
  /** Runs it with `--cpu-prof`, the profile written into this directory when it stops. */
  readonly cpuProfDir?: string | undefined;
}

const KEEP_LINES = 200;

/** The built relay (`node dist/src/server.js`) as a child process on a free loopback port; resolves when ready. */
export async function startRelay(launch: RelayLaunch): Promise<BenchRelay> {
  const port = await freePort();
  const admin = { clientId: 'bench-admin', clientSecret: randomBytes(24).toString('base64url') };
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
        RELAY_ADMIN_CLIENT_ID: admin.clientId,
        RELAY_ADMIN_CLIENT_SECRET: admin.clientSecret,
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
  const relay: BenchRelay = {
    pid: child.pid as number,
    port,
    baseUrl,
    admin,
    settings: { ...settings, REDIS_URL: launch.redisUrl, RELAY_ADMIN_CLIENT_ID: admin.clientId },
    output: () => lines.join('\n'),
    stop: () => stopChild(child, 15_000),
  };
  try {
    await waitReady(baseUrl, child, 30_000);
  } catch (err) {
    await relay.stop();
    throw new Error(`${(err as Error).message}\n--- relay output ---\n${relay.output()}`);
  }
  return relay;
}

/** Polls `<baseUrl>/ready` (relay or worker alone) until it answers 200, at most `timeoutMs`. */
export async function waitReady(
  baseUrl: string,
  child: ChildProcess,
  timeoutMs: number,
  what = 'relay',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(child))
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before ready`);
    try {
      const res = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}
