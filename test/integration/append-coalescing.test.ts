import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { NewEvent } from '../../src/events/event.js';
import { EventStore } from '../../src/events/event-store.js';
import { relayKeys } from '../../src/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

// src/redis/write-coalescer.ts: appends sent in one event-loop turn leave in one socket write, so Redis reads
// them at once (and fsyncs them together) instead of one read per append. Each append keeps its own reply.

const RETENTION = { retentionMs: 86_400_000, maxLength: 1_000_000 };

function event(n: number): NewEvent {
  return { type: 'CONFIG_UPDATED', key: `coalesce:${n}`, domain: 'Config', payload: { n }, authInfo: null };
}

/** Redis' count of socket reads that held commands (every client's), INFO's own included. */
async function readsProcessed(redis: Redis): Promise<number> {
  const stats = await redis.info('stats');
  return Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]);
}

describe('appends coalesced per event-loop turn', () => {
  let redis: TestRedis;
  let observer: Redis;

  before(async () => {
    redis = await startTestRedis();
    observer = new Redis(redis.url);
  });

  after(async () => {
    observer?.disconnect();
    await redis?.stop();
  });

  it('sends the appends of one turn in one write, each with its own entry, in order', async () => {
    const connection = new Redis(redis.url);
    try {
      await connection.ping();
      const store = new EventStore(connection, relayKeys('coalesce-a'), RETENTION);
      // the first append loads the script (NOSCRIPT, then EVAL): each append afterwards is one EVALSHA
      assert.equal((await store.append([event(-1)])).status, 'appended');
      const before = await readsProcessed(observer);
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store.append([event(n)])));
      const reads = (await readsProcessed(observer)) - before;
      // 20 appends in one read, plus the second INFO's (sent one write each, Redis read them in 7 here)
      assert.ok(reads <= 3, `Redis read the 20 appends in ${reads - 1} reads`);
      const stored = results.map((r) => {
        assert.equal(r.status, 'appended');
        return r.status === 'appended' ? r.events[0] : undefined;
      });
      assert.deepEqual(
        stored.map((e) => e?.key),
        Array.from({ length: 20 }, (_, n) => `coalesce:${n}`),
      );
      const ids = stored.map((e) => e?.id as number);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'entry ids follow the order the appends were sent',
      );
      assert.equal(new Set(ids).size, 20);

      // a later turn is a write of its own: nothing stays held
      const later = await store.append([event(20)]);
      assert.equal(later.status, 'appended');
      assert.equal(await connection.xlen(relayKeys('coalesce-a').events), 22);
    } finally {
      connection.disconnect();
    }
  });

  it('appends sent before the connection is ready wait in the ioredis queue and are all stored', async () => {
    const connection = new Redis(redis.url, { lazyConnect: true });
    try {
      const store = new EventStore(connection, relayKeys('coalesce-b'), RETENTION);
      const results = await Promise.all(Array.from({ length: 5 }, (_, n) => store.append([event(n)])));
      assert.deepEqual(
        results.map((r) => r.status),
        Array(5).fill('appended'),
      );
      assert.equal(await connection.xlen(relayKeys('coalesce-b').events), 5);
    } finally {
      connection.disconnect();
    }
  });
});
