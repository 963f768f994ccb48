import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configEvent, type PublishedEvent, publish, ResumingListener, within } from '../helpers/e2e-kit.js';
import { freePort } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import type { Credentials } from '../helpers/test-relay.js';

const ENTRY = 'dist/src/main.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The bootstrap key `npm start` prints: `Izanami-Client-Id: …` and `Izanami-Client-Secret: …` lines. */
function printedKey(lines: readonly string[]): Credentials | undefined {
  const value = (label: string) =>
    lines.map((l) => new RegExp(`^\\s*${label}:\\s*(\\S+)\\s*$`).exec(l)?.[1]).find((v) => v !== undefined);
  const clientId = value('Izanami-Client-Id');
  const clientSecret = value('Izanami-Client-Secret');
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

/**
 * `npm start`'s entry point with no REDIS_URL and no configured admin key: it starts and owns a private
 * redis-server (AOF) under DATA_DIR, prints a bootstrap admin key once, and stops its Redis with itself.
 */
describe('one-command start: the relay with its own redis-server', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let redisPort: number;
  const started: RelayProcess[] = [];
  const redisPids: number[] = [];
  let admin: Credentials | undefined;
  const published: PublishedEvent[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'relay-npm-start-'));
    redisPort = await freePort();
    env = {
      DATA_DIR: dataDir,
      EMBEDDED_REDIS_PORT: String(redisPort),
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
  });

  after(async () => {
    for (const relay of started) await relay.kill('SIGKILL');
    // a redis-server left behind by a failed run: ours, by the pid it wrote
    for (const pid of redisPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<RelayProcess> {
    const relay = await spawnRelay(env, ENTRY);
    started.push(relay);
    assert.equal(relay.port, Number(env.PORT));
    const pid = Number(readFileSync(join(dataDir, 'redis.pid'), 'utf8').trim());
    assert.ok(Number.isInteger(pid) && alive(pid), 'the redis-server of DATA_DIR/redis.pid runs');
    redisPids.push(pid);
    return relay;
  }

  async function stop(relay: RelayProcess): Promise<void> {
    const code = await within(relay.kill('SIGTERM'), 20_000, 'the relay exiting after SIGTERM');
    assert.equal(code, 0);
    const pid = redisPids[redisPids.length - 1] as number;
    assert.equal(alive(pid), false, `its redis-server (pid ${pid}) is gone`);
    assert.equal(
      await listening(redisPort),
      false,
      `nothing listens on the Redis port ${redisPort} any more`,
    );
    assert.equal(await listening(relay.port), false, 'nothing listens on the HTTP port any more');
  }

  it('first start: own redis-server with AOF, a printed admin key that works, everything stopped on SIGTERM', async () => {
    const relay = await start();
    admin = printedKey(relay.lines);
    assert.ok(admin, `the bootstrap key is printed:\n${relay.lines.join('\n')}`);
    assert.equal(relay.lines.filter((l) => l.includes('Izanami-Client-Secret')).length, 1, 'printed once');
    assert.ok(
      relay.lines.every((l) => !l.startsWith('{') || !l.includes(admin!.clientSecret)),
      'the secret is not in a log line',
    );

    const listener = new ResumingListener('/api/events?domains=Config&patterns=start:*', admin);
    await listener.connect(relay.baseUrl);
    for (let i = 0; i < 3; i++) {
      const res = await publish(relay.baseUrl, admin, configEvent('start', i));
      assert.equal(res.status, 201, `publish with the printed key: ${res.status} ${res.errorCode}`);
      published.push(...res.events);
    }
    await listener.waitForIds((ids) => ids.length === 3);
    listener.closeAll();
    assert.deepEqual(
      listener.ids(),
      published.map((e) => e._id),
    );

    const aof = join(dataDir, 'appendonlydir');
    assert.ok(existsSync(aof), 'DATA_DIR holds the AOF directory');
    assert.ok(
      readdirSync(aof).some((f) => f.includes('.aof')),
      'with AOF files',
    );
    await stop(relay);
  });

  it('second start on the same DATA_DIR: no new secret printed, the earlier key and events are still there', async () => {
    assert.ok(admin, 'the first start ran');
    const relay = await start();
    assert.equal(printedKey(relay.lines), undefined, 'no key printed');
    assert.ok(
      relay.lines.every((l) => !l.includes('Izanami-Client-Secret')),
      'no secret printed',
    );

    const listener = new ResumingListener('/api/events?domains=Config&patterns=start:*', admin);
    await listener.connect(relay.baseUrl, 0);
    await listener.waitForIds((ids) => ids.length >= published.length);
    listener.closeAll();
    assert.deepEqual(
      listener.ids(),
      published.map((e) => e._id),
    );
    await stop(relay);
  });
});
