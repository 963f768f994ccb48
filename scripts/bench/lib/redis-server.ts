import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { atCleanup, stopChild, track } from './processes.js';
import { sleep } from './progress.js';

/** The configuration the bench runs Redis with, written into the results. */
export const REDIS_SETTINGS = {
  bind: '127.0.0.1',
  appendonly: 'yes',
  appendfsync: 'always',
  save: '',
  maxmemoryPolicy: 'noeviction',
};

export interface BenchRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** The bench's own connection (it counts in `connected_clients`). */
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * A fresh redis-server on a free loopback port with a temporary data dir, AOF with fsync on every write as in
 * production (the relay's embedded Redis does the same).
 */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-redis-'));
  atCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const child: ChildProcess = track(
    spawn(
      'redis-server',
      [
        '--bind',
        REDIS_SETTINGS.bind,
        '--port',
        String(port),
        '--dir',
        dir,
        '--appendonly',
        REDIS_SETTINGS.appendonly,
        '--appendfsync',
        REDIS_SETTINGS.appendfsync,
        '--save',
        REDIS_SETTINGS.save,
        '--maxmemory-policy',
        REDIS_SETTINGS.maxmemoryPolicy,
        '--daemonize',
        'no',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, child, dir);
  } catch (err) {
    await stop();
    throw err;
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectionName: 'bench' });
  return {
    url,
    port,
    pid: child.pid as number,
    dir,
    client,
    stop: async () => {
      client.disconnect();
      await stop();
    },
  };
}

async function waitForPing(url: string, child: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'redis.log'), 'utf8');
      } catch {}
      throw new Error(`redis-server exited with ${child.exitCode}:\n${log}`);
    }
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused while it starts
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer: ${(err as Error).message}`);
    } finally {
      probe.disconnect();
    }
    await sleep(50);
  }
}
