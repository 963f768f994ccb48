import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { SCRIPTS } from '../../src/redis/scripts.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

// src/redis/lua/append-lib.lua: the ids the append script gives. The first entry of an append takes Redis' own
// next id (`XADD *`), the others follow it; seq never passes 999, so `_id = ms × 1000 + seq` is unique and
// consecutive within a commit. No record of the last id is written on each append: a single event's append
// is one write, which Redis propagates (to the AOF) as a bare XADD, not wrapped in MULTI/EXEC.

const NO_RETENTION = 0;
const NO_CAP = 1_000_000;

type Entry = [id: string, fields: string[]];

function quad(n: number): string[] {
  return ['CONFIG_UPDATED', 'Config', `ids:${n}`, `"type":"CONFIG_UPDATED","key":"ids:${n}"`];
}

const publicId = (streamId: string) => {
  const [ms, seq] = streamId.split('-').map(Number) as [number, number];
  return ms * 1000 + seq;
};

function fieldsOf(entry: Entry | undefined): Record<string, string> {
  const list = entry?.[1] ?? [];
  return Object.fromEntries(list.flatMap((v, i) => (i % 2 === 0 ? [[v, list[i + 1] as string]] : [])));
}

describe('append script: entry ids', () => {
  let redis: TestRedis;
  let client: Redis;
  let n = 0;
  /** A stream of its own per test. */
  const stream = () => {
    n += 1;
    return `append-ids:${n}`;
  };
  const append = async (key: string, count: number, retentionMs = NO_RETENTION, maxLength = NO_CAP) => {
    const reply = (await SCRIPTS.append.run(
      client,
      [key, `${key}:meta`],
      [retentionMs, maxLength, '', 0, ...Array.from({ length: count }, (_, i) => quad(i)).flat()],
    )) as string[];
    assert.equal(reply[0], 'new');
    return reply.slice(1);
  };
  const entries = async (key: string) => (await client.xrange(key, '-', '+')) as Entry[];

  before(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url);
  });

  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('gives a single event the next id, with no commit fields, and keeps no per-append record', async () => {
    const key = stream();
    const before = Date.now();
    const [id] = await append(key, 1);
    const [ms, seq] = (id as string).split('-').map(Number) as [number, number];
    assert.ok(ms >= before - 1 && ms <= Date.now() + 1, `${id} is not this millisecond`);
    assert.equal(seq, 0);
    const [entry] = await entries(key);
    assert.equal(entry?.[0], id);
    assert.deepEqual(Object.keys(fieldsOf(entry)), ['t', 'd', 'k', 'b']);
    const [second] = await append(key, 1);
    assert.ok(publicId(second as string) > publicId(id as string));
    assert.deepEqual(await client.hgetall(`${key}:meta`), {});
  });

  it('marks a commit: r on every entry, c (the first entry) on all but the first', async () => {
    const key = stream();
    const ids = await append(key, 3);
    const stored = await entries(key);
    assert.deepEqual(
      stored.map((e) => e[0]),
      ids,
    );
    assert.deepEqual(
      stored.map((e) => [fieldsOf(e).c, fieldsOf(e).r]),
      [
        [undefined, '2'],
        [ids[0], '1'],
        [ids[0], '0'],
      ],
    );
  });

  it('carries a commit over into the next millisecond after seq 999, its _ids consecutive', async () => {
    const key = stream();
    const ms = Date.now() + 60_000; // ahead of the clock: the stream's own last id decides
    await client.xadd(key, `${ms}-998`, 'seed', '1');
    const ids = await append(key, 3);
    assert.deepEqual(ids, [`${ms}-999`, `${ms + 1}-0`, `${ms + 1}-1`]);
    assert.deepEqual(
      ids.map(publicId),
      [0, 1, 2].map((i) => publicId(`${ms}-999`) + i),
    );
  });

  it('moves to the next millisecond when the stream is at seq 999, leaving no entry with seq 1000', async () => {
    const key = stream();
    const ms = Date.now() + 60_000;
    await client.xadd(key, `${ms}-999`, 'seed', '1');
    const ids = await append(key, 2);
    assert.deepEqual(ids, [`${ms + 1}-0`, `${ms + 1}-1`]);
    assert.deepEqual(
      (await entries(key)).map((e) => e[0]),
      [`${ms}-999`, `${ms + 1}-0`, `${ms + 1}-1`],
    );
    assert.equal(await client.xlen(key), 3);
    assert.equal(fieldsOf((await entries(key))[1]).c, undefined);
    assert.equal(fieldsOf((await entries(key))[2]).c, `${ms + 1}-0`);
  });

  it('never gives an id at or below one already given, even once that entry is deleted or its meta lost', async () => {
    const key = stream();
    const ms = Date.now() + 60_000;
    await client.xadd(key, `${ms}-5`, 'seed', '1');
    await client.xdel(key, `${ms}-5`);
    await client.del(`${key}:meta`);
    const [id] = await append(key, 1);
    assert.equal(id, `${ms}-6`);
  });

  it('gives a commit of 1000 events, begun mid-millisecond, 1000 consecutive _ids', async () => {
    const key = stream();
    const ms = Date.now() + 60_000;
    await client.xadd(key, `${ms}-500`, 'seed', '1');
    const ids = await append(key, 1000);
    assert.equal(ids.length, 1000);
    assert.equal(ids[0], `${ms}-501`);
    assert.equal(ids[999], `${ms + 1}-500`);
    ids.forEach((id, i) => {
      assert.equal(publicId(id), publicId(`${ms}-501`) + i);
    });
  });

  it('writes a single event to the AOF as one bare XADD, no MULTI/EXEC', async () => {
    const key = stream();
    await append(key, 1); // the script loaded
    const dir = join(redis.dir, 'appendonlydir');
    const incr = readdirSync(dir).find((f) => f.endsWith('.incr.aof'));
    assert.ok(incr, `no incremental AOF file in ${dir}`);
    const file = join(dir, incr);
    const size = statSync(file).size;
    await append(key, 1);
    const written = readFileSync(file).subarray(size).toString('latin1');
    assert.match(written, /\r\nXADD\r\n/);
    assert.doesNotMatch(written, /MULTI|EXEC|HSET/);
  });

  it('checks the retention at most once a second: trims what is older, records the newest trimmed id', async () => {
    const key = stream();
    const old = Date.now() - 120_000;
    for (let i = 0; i < 3; i++) await client.xadd(key, `${old + i}-0`, 'seed', String(i));
    await append(key, 1, 60_000);
    assert.equal(await client.xlen(key), 1);
    const meta = await client.hgetall(`${key}:meta`);
    assert.equal(meta.trimmed, `${old + 2}-0`);
    assert.ok(Number(meta.checked) >= Date.now() - 5_000);
    // checked just now (Redis' clock): the next append, well within the second, neither checks nor writes it
    const [seconds = 0, micros = 0] = (await client.time()).map(Number);
    const now = String(seconds * 1000 + Math.floor(micros / 1000));
    await client.hset(`${key}:meta`, 'checked', now);
    await append(key, 1, 60_000);
    assert.equal(await client.hget(`${key}:meta`, 'checked'), now);
    // last checked over a second ago: checked again
    await client.hset(`${key}:meta`, 'checked', String(Number(now) - 1_500));
    await append(key, 1, 60_000);
    assert.ok(Number(await client.hget(`${key}:meta`, 'checked')) >= Number(now));
  });
});
