import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { relayKeys } from '../../src/redis/keys.js';
import { SCRIPTS } from '../../src/redis/scripts.js';
import { startWorker, type WorkerService } from '../../src/runtime/worker-service.js';
import { DISPATCH_GROUP } from '../../src/webhooks/dispatcher.js';
import { captureLogs } from '../helpers/log-capture.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { configEvent, eventually, publish } from '../helpers/relay-checks.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// src/webhooks/dispatcher.ts, `skip`: with no hook at all, the dispatcher reads the stream outside its consumer
// group (XREAD writes nothing; XREADGROUP adds every entry to the pending list, an AOF write) and moves the
// group past what it read about once a second. A hook created meanwhile still gets every event after it.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function calls(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  const line = stats.split('\r\n').find((l) => l.startsWith(`cmdstat_${command}:`));
  return line ? Number(/calls=(\d+)/.exec(line)?.[1]) : 0;
}

async function groupPosition(redis: Redis, stream: string): Promise<string | undefined> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  const group = groups.find((g) => g[1] === DISPATCH_GROUP) ?? [];
  return group[group.indexOf('last-delivered-id') + 1] as string | undefined;
}

async function lastEntry(redis: Redis, stream: string): Promise<string | undefined> {
  const [top] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return top?.[0];
}

describe('dispatcher with no hook', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let worker: WorkerService;
  let receiver: Receiver;
  let stream: string;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    worker = await startWorker({
      config: relay.config,
      redisUrl: redis.url,
      logger: captureLogs('warn').logger,
    });
    receiver = await startReceiver();
    stream = relayKeys(relay.config.redisKeyPrefix).events;
  });

  after(async () => {
    await receiver?.close();
    await worker?.stop();
    await relay?.stop();
    await redis?.stop();
  });

  const groupCaughtUp = async () =>
    (await groupPosition(redis.client, stream)) === (await lastEntry(redis.client, stream));

  it('reads nothing through the group, and the group still follows the stream', async () => {
    const before = await calls(redis.client, 'xreadgroup');
    for (let i = 0; i < 10; i += 1) {
      await publish(relay, configEvent(`skip.alone.${i}`, i));
      await sleep(20);
    }
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => publish(relay, configEvent(`skip.burst.${i}`, i))),
    );
    await eventually(groupCaughtUp, 'the group moved past every entry', 5000);
    assert.equal(await calls(redis.client, 'xreadgroup'), before, 'no XREADGROUP while there is no hook');
    const [pending] = (await redis.client.xpending(stream, DISPATCH_GROUP)) as [number];
    assert.equal(Number(pending), 0, 'nothing pending');
  });

  it('a hook created while skipping gets every event after it, none from before', async () => {
    for (let i = 0; i < 5; i += 1) await publish(relay, configEvent(`skip.before.${i}`, i));
    await eventually(groupCaughtUp, 'the group moved past the events before the hook', 5000);
    const res = await relay.request('/api/webhooks', {
      method: 'POST',
      json: { callbackUrl: receiver.url, patterns: ['skip.*'] },
    });
    const created = await res.text();
    assert.equal(res.status, 201, created);
    const hookId = (JSON.parse(created) as { clientId: string }).clientId;
    // at once: no time for the dispatcher to notice the hook before these are appended
    for (let i = 0; i < 5; i += 1) await publish(relay, configEvent(`skip.after.${i}`, i));
    await receiver.waitFor(
      (requests) =>
        Array.from({ length: 5 }, (_, i) => `skip.after.${i}`).every((k) =>
          requests.some((r) => r.body.includes(`"${k}"`)),
        ),
      'the five events after the hook delivered',
      15_000,
    );
    await sleep(1500);
    const bodies = receiver.requests.map((r) => r.body);
    assert.equal(bodies.length, 5, 'one delivery per commit after the hook');
    assert.ok(!bodies.some((b) => b.includes('skip.before.')), 'no event from before the hook');
    assert.ok(!bodies.some((b) => b.includes('skip.alone.') || b.includes('skip.burst.')));

    // the last hook deleted: back to skipping
    const deleted = await relay.request(`/api/webhooks/${encodeURIComponent(hookId)}`, { method: 'DELETE' });
    assert.ok(deleted.ok, await deleted.text());
    // the read blocked before the delete returns with this event; after it the dispatcher knows there is no hook
    await publish(relay, configEvent('skip.deleted.0', 0));
    await eventually(
      async () => (await redis.client.xpending(stream, DISPATCH_GROUP))[0] === 0,
      'acknowledged',
    );
    const reads = await calls(redis.client, 'xreadgroup');
    for (let i = 1; i <= 10; i += 1) await publish(relay, configEvent(`skip.deleted.${i}`, i));
    await eventually(groupCaughtUp, 'the group follows again', 5000);
    assert.equal(await calls(redis.client, 'xreadgroup'), reads, 'no XREADGROUP after the last hook went');
  });

  it('pass-group.lua moves a group forward only', async () => {
    const client = new Redis(redis.url);
    try {
      const key = 'skip-script-stream';
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push((await client.xadd(key, '*', 'n', String(i))) as string);
      await client.xgroup('CREATE', key, 'g', ids[1] as string);
      const run = (id: string) => SCRIPTS.passGroup.run(client, [key], ['g', id]);
      const position = async () => {
        const [group] = (await client.xinfo('GROUPS', key)) as unknown[][];
        return group?.[(group?.indexOf('last-delivered-id') ?? 0) + 1];
      };
      assert.equal(await run(ids[0] as string), 0, 'an older id');
      assert.equal(await position(), ids[1]);
      assert.equal(await run(ids[1] as string), 0, 'the same id');
      assert.equal(await run(ids[2] as string), 1, 'a newer id');
      assert.equal(await position(), ids[2]);
    } finally {
      client.disconnect();
    }
  });
});
