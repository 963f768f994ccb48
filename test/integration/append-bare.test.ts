import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { NewEvent } from '../../src/events/event.js';
import { toStreamId } from '../../src/events/event-id.js';
import { type AppendResult, EventStore } from '../../src/events/event-store.js';
import { relayKeys } from '../../src/redis/keys.js';
import { SCRIPTS } from '../../src/redis/scripts.js';
import { deliveryJobId } from '../../src/webhooks/delivery-job.js';
import { groupPending } from '../helpers/dispatch-group.js';
import { type HookQueue, hookQueue } from '../helpers/hook-queue.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  eventually,
  listen,
  publish,
  type RelayEvent,
  streamEntries,
} from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// src/events/append-upkeep.ts: a single event without an idempotency key is appended as a bare `XADD *`; the
// append script runs for the upkeep (retention, length cap, the record of what was trimmed) at least every
// min(1 s, retention / 10) and every 1 % of the cap, and for every commit and idempotent append. A bare XADD
// past ms-999 gets ms-1000, an id with no public `_id`: its entry is deleted and the event appended again by
// the script, and every reader (tail reader, dispatcher, replay) skips such an entry meanwhile.

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function event(key: string, n = 0): NewEvent {
  return { type: 'CONFIG_UPDATED', key, domain: 'Config', payload: { n }, authInfo: null };
}

function appended(result: AppendResult): string[] {
  assert.equal(result.status, 'appended');
  return result.status === 'appended' ? result.events.map((e) => e.streamId) : [];
}

async function calls(redis: Redis, ...commands: string[]): Promise<number> {
  const stats = (await redis.info('commandstats')).split('\r\n');
  let total = 0;
  for (const command of commands) {
    const line = stats.find((l) => l.startsWith(`cmdstat_${command}:`));
    total += line ? Number(/calls=(\d+)/.exec(line)?.[1]) : 0;
  }
  return total;
}

const scriptCalls = (redis: Redis) => calls(redis, 'evalsha', 'eval');

/** An entry's fields as the relay writes them, for entries written here by hand. */
const entryFields = (key: string) => ['t', 'CONFIG_UPDATED', 'd', 'Config', 'k', key, 'b', `"key":"${key}"`];
const seqAbove999 = (ids: string[]) => ids.filter((id) => Number(id.split('-')[1]) > 999);

describe('single events appended as a bare XADD', () => {
  let redis: TestRedis;
  let client: Redis;
  let connection: Redis;

  before(async () => {
    redis = await startTestRedis();
    client = redis.client;
    connection = new Redis(redis.url);
    // loaded beforehand: each script run is then one EVALSHA (not NOSCRIPT, then EVAL)
    await client.script('LOAD', SCRIPTS.append.source);
  });

  after(async () => {
    connection?.disconnect();
    await redis?.stop();
  });

  /** A store on its own key prefix whose clock stands still unless moved. */
  function store(prefix: string, limits = { retentionMs: DAY, maxLength: 1_000_000 }, clock = { now: 1 }) {
    const keys = relayKeys(prefix);
    return { keys, clock, store: new EventStore(connection, keys, limits, () => clock.now) };
  }

  const entryIds = async (key: string) =>
    ((await client.xrange(key, '-', '+')) as [string, string[]][]).map(([id]) => id);

  it('runs the script for the upkeep, then appends single events with XADD: the same entries, in order', async () => {
    const { keys, store: s } = store('bare-a');
    await client.config('RESETSTAT');
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push(...appended(await s.append([event(`bare-a:${i}`, i)])));
    assert.equal(await scriptCalls(client), 1, 'one script call, the first append');
    assert.equal(await calls(client, 'xadd'), 20, 'one XADD per event (the script’s own included)');
    const raw = (await client.xrange(keys.events, '-', '+')) as [string, string[]][];
    assert.deepEqual(
      raw.map(([id]) => id),
      ids,
    );
    // the script's entry and a bare one have the same fields: t, d, k, b
    for (const [, fields] of raw)
      assert.deepEqual(
        fields.filter((_, i) => i % 2 === 0),
        ['t', 'd', 'k', 'b'],
      );
    assert.deepEqual(
      raw.map(([, fields]) => fields[5]),
      Array.from({ length: 20 }, (_, i) => `bare-a:${i}`),
    );
  });

  it('takes the script for commits and idempotent appends, whatever the upkeep', async () => {
    const { store: s } = store('bare-b');
    appended(await s.append([event('bare-b:first')]));
    const before = await scriptCalls(client);
    appended(await s.append([event('bare-b:c1'), event('bare-b:c2')]));
    const claim = { scope: 'test', digest: 'bare-b', fingerprint: 'f', ttlMs: 60_000 };
    const [id] = appended(await s.append([event('bare-b:idem')], claim));
    const again = await s.append([event('bare-b:idem')], claim);
    assert.equal(again.status, 'duplicate');
    assert.deepEqual(again.status === 'duplicate' ? again.events.map((e) => e.streamId) : [], [id]);
    assert.equal((await scriptCalls(client)) - before, 3);
  });

  it('keeps the stream within 1 % over its length cap, and records the newest trimmed entry', async () => {
    const { keys, store: s } = store('bare-c', { retentionMs: DAY, maxLength: 1000 });
    const ids: string[] = [];
    for (let round = 0; round < 30; round += 1) {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => s.append([event(`bare-c:${round}.${i}`)])),
      );
      ids.push(...results.flatMap(appended));
      const length = await client.xlen(keys.events);
      assert.ok(length <= 1010, `round ${round}: ${length} entries, cap 1000 + 1 %`);
    }
    const retained = await entryIds(keys.events);
    assert.ok(retained.length >= 1000 && retained.length <= 1010, `${retained.length} retained`);
    assert.deepEqual(retained, ids.slice(ids.length - retained.length), 'the newest are retained, in order');
    const trimmed = await client.hget(keys.eventsMeta, 'trimmed');
    assert.equal(trimmed, ids[ids.length - retained.length - 1], 'the newest trimmed entry is recorded');
  });

  it('checks the retention once its interval has passed', async () => {
    const { keys, clock, store: s } = store('bare-d', { retentionMs: 1000, maxLength: 1_000_000 });
    const old: string[] = [];
    for (let i = 0; i < 5; i += 1) old.push(...appended(await s.append([event(`bare-d:old.${i}`)])));
    assert.equal(await client.xlen(keys.events), 5);
    await sleep(1100); // older than the retention by Redis' clock
    clock.now += 1100; // and the upkeep due by the store's
    const [fresh] = appended(await s.append([event('bare-d:fresh')]));
    assert.deepEqual(await entryIds(keys.events), [fresh]);
    assert.equal(await client.hget(keys.eventsMeta, 'trimmed'), old[4]);
  });

  it('withdraws an entry that XADD gave a sequence above 999, and appends the event again', async () => {
    const { keys, store: s } = store('bare-e');
    appended(await s.append([event('bare-e:first')]));
    // the stream's last entry is ms-999 (as after a commit that filled its millisecond): XADD * gives ms-1000
    const ms = Date.now() + 60_000;
    await client.xadd(keys.events, `${ms}-999`, ...entryFields('bare-e:full'));
    const before = await scriptCalls(client);
    const result = await s.append([event('bare-e:next')]);
    assert.equal(result.status, 'appended');
    const stored = result.status === 'appended' ? result.events[0] : undefined;
    assert.equal(stored?.streamId, `${ms + 1}-0`);
    assert.equal(stored?.id, (ms + 1) * 1000);
    assert.match(stored?.json ?? '', new RegExp(`^\\{"_id":${(ms + 1) * 1000},`));
    assert.equal((await scriptCalls(client)) - before, 1, 'appended again through the script');
    const ids = await entryIds(keys.events);
    assert.deepEqual(seqAbove999(ids), [], 'no entry above seq 999 is left');
    assert.deepEqual(ids.slice(-2), [`${ms}-999`, `${ms + 1}-0`]);
  });

  it('reads around withdrawn entries: range pages, the newest and the oldest event', async () => {
    const { keys, store: s } = store('bare-f');
    await client.xadd(keys.events, '5-1000', ...entryFields('ghost.1'));
    await client.xadd(keys.events, '6-0', ...entryFields('a'));
    await client.xadd(keys.events, '6-1', ...entryFields('b'));
    await client.xadd(keys.events, '6-1000', ...entryFields('ghost.2'));
    assert.equal((await s.history()).earliest, '6-0');
    assert.equal(await s.lastId(), '6-1');
    const first = await s.range('0-0', '+', 1);
    assert.deepEqual(first, { events: [], last: '5-1000' });
    const second = await s.range(first.last as string, '+', 2);
    assert.deepEqual(
      second.events.map((e) => [e.streamId, e.key]),
      [
        ['6-0', 'a'],
        ['6-1', 'b'],
      ],
    );
    assert.equal(second.last, '6-1');
    const third = await s.range('6-1', '+', 10);
    assert.deepEqual(third, { events: [], last: '6-1000' });

    // nothing but withdrawn entries: a read starts after the newest of them, and there is no earliest event
    const { keys: only, store: bare } = store('bare-g');
    await client.xadd(only.events, '7-1000', ...entryFields('ghost.3'));
    await client.xadd(only.events, '7-1001', ...entryFields('ghost.4'));
    assert.equal(await bare.lastId(), '7-1001');
    assert.equal((await bare.history()).earliest, undefined);
  });
});

describe('a relay reads around a withdrawn entry', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let hooks: HookQueue;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    hooks = await hookQueue(redis, relay, ['wd:*']);
  });

  after(async () => {
    await relay?.stop();
    await hooks?.close();
    await redis?.stop();
  });

  it('skips it live, in replay and in webhook dispatch, and acknowledges it', async () => {
    const stream = relayKeys(relay.config.redisKeyPrefix).events;
    const live = await listen(relay, '/api/events?patterns=wd:*');
    const [first] = await publish(relay, configEvent('wd:first'));
    assert.ok(first);
    // an appender killed between its XADD (seq 1000) and the XDEL leaves the entry for good (a minute ahead
    // of the clock here, so that the next XADD * follows it)
    const ms = Date.now() + 60_000;
    await redis.client.xadd(stream, `${ms}-1000`, ...entryFields('wd:ghost'));
    // the next append's XADD * is past seq 999 too: withdrawn, and appended again at (ms + 1)-0
    const [second] = await publish(relay, configEvent('wd:second'));
    assert.equal(second?._id, (ms + 1) * 1000);

    await live.waitFor((c) => c.events().length >= 2, 10_000);
    const keysOf = (c: SseConnection) => c.events().map((e) => e.key);
    assert.deepEqual(keysOf(live), ['wd:first', 'wd:second']);
    const replay = await listen(relay, '/api/events?patterns=wd:*', {
      headers: { 'Last-Event-Id': String(first._id - 1) },
    });
    await replay.waitFor((c) => c.events().length >= 2, 10_000);
    assert.deepEqual(keysOf(replay), ['wd:first', 'wd:second']);
    assert.deepEqual(
      replay.frames.filter((f) => f.event !== undefined).map((f) => f.event),
      [],
      'no reset, no error frame',
    );

    const { queue, hookId } = hooks;
    const jobIds = [first, second].map((e) => deliveryJobId(hookId, toStreamId((e as RelayEvent)._id)));
    await eventually(
      async () => (await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized')) >= 2,
      'jobs',
    );
    for (const id of jobIds) assert.ok(await queue.getJob(id), `job ${id}`);
    await eventually(
      async () => (await groupPending(redis, relay)) === 0,
      'every entry acknowledged',
      10_000,
    );
    await sleep(200);
    assert.equal(
      await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized'),
      2,
      'no job for the ghost',
    );
    live.close();
    replay.close();
  });

  it('starts after a withdrawn newest entry (another relay process starting)', async () => {
    const stream = relayKeys(relay.config.redisKeyPrefix).events;
    const [last] = (await redis.client.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    const ms = Math.max(Date.now(), Number(last?.[0].split('-')[0])) + 60_000;
    await redis.client.xadd(stream, `${ms}-1000`, ...entryFields('wd:ghost.2'));
    const other = await startTestRelay(redis.url, {
      REDIS_KEY_PREFIX: relay.config.redisKeyPrefix,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    try {
      const live = await listen(other, '/api/events?patterns=wd:*');
      const [third] = await publish(other, configEvent('wd:third'));
      await live.waitFor((c) => c.events().length >= 1, 10_000);
      assert.deepEqual(
        live.events().map((e) => [e._id, e.key]),
        [[third?._id, 'wd:third']],
      );
      live.close();
    } finally {
      await other.stop();
    }
  });
});

// CONTRACT.md, replay: "An id older than what is retained: first `event: reset` with {requested, earliest}, then
// what is retained" — here with history trimmed by the upkeep of single events, not by a commit.
describe('a relay trimming single events (EVENTS_MAX_LENGTH=1000)', () => {
  let redis: TestRedis;
  let relay: TestRelay;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { EVENTS_MAX_LENGTH: '1000' });
  });

  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });

  it('answers a trimmed Last-Event-Id with a reset, then every retained event in order', async () => {
    const published: RelayEvent[] = [];
    for (let i = 0; i < 1100; i += 1) published.push(...(await publish(relay, configEvent(`tb:${i}`, i))));
    const stored = (await streamEntries(redis, relay)).filter(([, fields]) => fields[5]?.startsWith('tb:'));
    assert.ok(stored.length >= 1000 && stored.length <= 1010, `${stored.length} retained, cap 1000 + 1 %`);
    const retained = published.slice(published.length - stored.length);
    const first = published[0] as RelayEvent;

    const sse = await listen(relay, '/api/events?patterns=tb:*', {
      headers: { 'Last-Event-Id': String(first._id) },
    });
    await sse.waitFor((c) => c.events().length >= retained.length, 15_000);
    sse.close();
    assert.equal(sse.frames[0]?.event, 'reset');
    assert.deepEqual(JSON.parse(sse.frames[0]?.data ?? ''), {
      requested: first._id,
      earliest: retained[0]?._id,
    });
    assert.equal(sse.frames.filter((f) => f.event === 'reset').length, 1);
    assert.deepEqual(
      sse.events().map((e) => e._id),
      retained.map((e) => e._id),
    );
  });
});
