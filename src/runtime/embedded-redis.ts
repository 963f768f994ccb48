import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export interface EmbeddedRedis {
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly logger: Logger;
  /** Install redis-server with apt-get when it is missing and we are root (default true). */
  readonly install?: boolean;
}

const HOW_TO_INSTALL =
  'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get update && sudo apt-get install -y redis-server`, macOS: `brew install redis`) or set REDIS_URL to a Redis you run.';

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs redis-server from Debian's packages when that can work here (root, apt-get); else says how. */
export function ensureRedisServer(logger: Logger, install = true): void {
  if (hasRedisServer()) return;
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!install || !root || !apt) throw new Error(HOW_TO_INSTALL);
  logger.info('redis-server missing: installing it with apt-get (Debian package redis-server)');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    const run = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed. ${HOW_TO_INSTALL}`);
  }
  if (!hasRedisServer()) throw new Error(HOW_TO_INSTALL);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: no such process
  }
}

/** A redis-server left running by a relay that was killed (its pid file is ours): stop it first. */
async function stopLeftover(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('redis-server')) return;
  logger.warn('stopping a redis-server left over by an earlier run', { pid });
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Starts and owns a private redis-server: loopback only, AOF on with fsync on every write (nothing
 * acknowledged is lost, even to a crash), `noeviction`, data under `dataDir`. Stopped with the relay.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const { logger, port } = options;
  ensureRedisServer(logger, options.install);
  const dir = resolve(options.dataDir);
  mkdirSync(dir, { recursive: true });
  const pidFile = resolve(dir, 'redis.pid');
  await stopLeftover(pidFile, logger);
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--protected-mode',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--logfile',
    resolve(dir, 'redis.log'),
    '--daemonize',
    'no',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    logger.info('embedded redis-server exited', { code, signal });
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // expected while it starts; we poll below
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      const log = existsSync(resolve(dir, 'redis.log'))
        ? readFileSync(resolve(dir, 'redis.log'), 'utf8')
        : '';
      throw new Error(
        `embedded redis-server exited at start (is port ${port} in use? set EMBEDDED_REDIS_PORT). Its log ends:\n${log.split('\n').slice(-5).join('\n')}`,
      );
    }
    try {
      if (probe.status !== 'ready') await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`embedded redis-server not answering: ${(err as Error).message}`);
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  probe.disconnect();
  logger.info('embedded redis-server started', { url, dataDir: dir, pid: child.pid });
  return {
    url,
    stop: async () => {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}
