import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toStreamId } from '../../src/events/event-id.js';
import { ackEveryMs } from '../../src/webhooks/ack-schedule.js';
import { deliveryJobId } from '../../src/webhooks/delivery-job.js';
import { groupReadAll as allRead, groupPending as pending } from '../helpers/dispatch-group.js';
import { type HookQueue, hookQueue } from '../helpers/hook-queue.js';
import { killClientConnections } from '../helpers/redis-connections.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { configEvent, eventually, publish, type RelayEvent } from '../helpers/relay-checks.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// The dispatcher has no blocking read of its own: its XREADGROUP goes in the tail reader's pipeline, right
// after the XREAD BLOCK (src/sse/tail-reader.ts, src/webhooks/dispatcher.ts). So a relay process holds one
// blocked Redis connection, sends one read per event, and still hands every commit to BullMQ once, whether the
// dispatcher is busy when the tail reader reads again, or the tail reader's connection is cut mid-burst.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function info(text: string, field: string): number {
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  return Number(line?.slice(field.length + 1));
}

async function blockedClients(redis: TestRedis): Promise<number> {
  return info(await redis.client.info('clients'), 'blocked_clients');
}

async function calls(redis: TestRedis, command: string): Promise<number> {
  const line = (await redis.client.info('commandstats'))
    .split('\r\n')
    .find((l) => l.startsWith(`cmdstat_${command}:`));
  return line ? Number(/calls=(\d+)/.exec(line)?.[1]) : 0;
}

async function connectionNames(redis: TestRedis): Promise<string[]> {
  const list = (await redis.client.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith('relay:'));
}

/** Publishes `count` single-event commits, `concurrency` requests at a time; returns each commit's events. */
async function burst(relay: TestRelay, prefix: string, count: number, concurrency: number) {
  const commits: RelayEvent[][] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = next++;
        commits.push(await publish(relay, configEvent(`${prefix}.${n}`, n)));
      }
    }),
  );
  return commits;
}

describe('the dispatcher rides the tail reader', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  const CLAIM_IDLE_MS = 1000;
  let hooks: HookQueue;
  let queue: HookQueue['queue'];
  let hookId: string;

  before(async () => {
    redis = await startTestRedis();
    // a ride lost with its connection leaves what it read pending: claimed after a second here, not 30 s
    relay = await startTestRelay(redis.url, {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      DISPATCH_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
    });
    // no worker runs: every delivery the dispatcher enqueues stays in the queue, to be counted
    hooks = await hookQueue(redis, relay, ['ride:*']);
    ({ queue, hookId } = hooks);
  });

  after(async () => {
    await relay?.stop();
    await hooks?.close();
    await redis?.stop();
  });

  /** Every commit has its one job, and the queue holds no other. */
  async function assertEnqueuedOnce(commits: RelayEvent[][], before: number): Promise<void> {
    const ids = commits.map((c) => deliveryJobId(hookId, toStreamId((c[0] as RelayEvent)._id)));
    assert.equal(new Set(ids).size, commits.length, 'one job id per commit');
    await eventually(
      async () =>
        (await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')) === before + ids.length,
      `${ids.length} more jobs`,
      15_000,
    );
    const missing: string[] = [];
    for (const id of ids) if (!(await queue.getJob(id))) missing.push(id);
    assert.deepEqual(missing, [], 'every commit has its job');
  }

  it('holds one blocked connection, the tail reader, and none of its own', async () => {
    await eventually(async () => (await blockedClients(redis)) === 1, 'the tail reader blocked');
    const names = await connectionNames(redis);
    assert.equal(names.filter((n) => n === 'relay:tail').length, 1, names.join(' '));
    assert.ok(!names.includes('relay:dispatch'), `no connection of the dispatcher's own: ${names.join(' ')}`);
    await publish(relay, configEvent('ride:one', 1));
    await eventually(async () => allRead(redis, relay), 'the entry read by the group');
    await eventually(async () => (await blockedClients(redis)) === 1, 'blocked again, alone');
  });

  it('sends one read per event: the group read goes with the tail read, never blocking on its own', async () => {
    await redis.client.config('RESETSTAT');
    const counting = Date.now();
    const events = 20;
    const before = await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    const commits: RelayEvent[][] = [];
    for (let i = 0; i < events; i += 1) {
      commits.push(await publish(relay, configEvent(`ride:apart.${i}`, i)));
      await sleep(40);
    }
    await eventually(async () => allRead(redis, relay), 'every entry read by the group');
    await assertEnqueuedOnce(commits, before);
    const reads = await calls(redis, 'xread');
    const groupReads = await calls(redis, 'xreadgroup');
    // one tail read per event (the first ones may have been sent before the reset), each carrying a group read;
    // plus, per acknowledgement interval counted (250 ms here), at most one read that ended because the waiting
    // acknowledgements fell due before the next event came (a slow machine stalls between events and takes
    // longer over them: 24 reads once, in CI). Two reads per event would be about 40.
    const timedOut = Math.ceil((Date.now() - counting) / ackEveryMs(CLAIM_IDLE_MS));
    assert.ok(
      reads >= events - 1 && reads <= events + 3 + timedOut,
      `${reads} XREADs for ${events} events (${timedOut} ack intervals)`,
    );
    assert.ok(
      groupReads >= events - 1 && groupReads <= reads + 2,
      `${groupReads} XREADGROUPs for ${reads} XREADs`,
    );
    assert.equal(await blockedClients(redis), 1, 'only the tail reader blocks');
    await eventually(async () => (await pending(redis, relay)) === 0, 'every entry acknowledged', 10_000);
  });

  it('enqueues every commit of a burst once, while the tail reader reads on without a ride', async () => {
    const before = await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    const commits = await burst(relay, 'ride:burst', 400, 32);
    await assertEnqueuedOnce(commits, before);
    await eventually(async () => allRead(redis, relay), 'every entry read by the group');
    await eventually(async () => (await pending(redis, relay)) === 0, 'every entry acknowledged', 10_000);
  });

  it("loses no commit when the tail reader's connection is cut mid-burst", async () => {
    const before = await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    const publishing = burst(relay, 'ride:cut', 300, 8);
    let cuts = 0;
    for (let i = 0; i < 3; i += 1) {
      await sleep(60);
      cuts += await killClientConnections(redis.client, process.pid, 'relay:tail');
    }
    const commits = await publishing;
    assert.ok(cuts >= 1, 'the tail connection was cut');
    await assertEnqueuedOnce(commits, before);
    // entries a lost ride read stay pending until claimed (30 s by default): what matters is that their commits
    // are enqueued once, above; the group has been handed everything
    await eventually(async () => allRead(redis, relay), 'every entry read by the group');
  });
});
