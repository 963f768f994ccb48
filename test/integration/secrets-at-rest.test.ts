import assert from 'node:assert/strict';
import { createHash, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { relayKeys } from '../../src/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type Credentials, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

// Issue 5 and CONTRACT.md ("shown this once; stored hashed"): an API key's secret is kept only as a slow, salted
// hash (scrypt), read here straight from Redis. No API key secret, and no browser token, appears in any value of
// any key the relay wrote, whatever its type, in any common encoding.

/** Every value of every key under the relay's prefix, as text (key names included), read with SCAN. */
async function dumpPrefix(client: Redis, prefix: string): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const parts: string[] = [];
  for (const key of keys.sort()) {
    const type = await client.type(key);
    let value: unknown;
    if (type === 'string') value = await client.getBuffer(key).then((b) => b?.toString('latin1'));
    else if (type === 'hash') value = await client.hgetall(key);
    else if (type === 'list') value = await client.lrange(key, 0, -1);
    else if (type === 'set') value = await client.smembers(key);
    else if (type === 'zset') value = await client.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'stream') value = await client.xrange(key, '-', '+');
    else assert.fail(`key ${key} of an unexpected type ${type}`);
    parts.push(`${key} ${JSON.stringify(value)}`);
  }
  return { keys, text: parts.join('\n') };
}

/** A secret as it could be found at rest: raw, base64, base64url, hex, and its unsalted SHA-256. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const sha = createHash('sha256').update(secret).digest();
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    sha.toString('hex'),
    sha.toString('base64'),
    sha.toString('base64url'),
  ];
}

const SCRYPT_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

describe('API key secrets at rest', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  const secrets: string[] = [];
  const keys: Credentials[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    secrets.push(relay.admin.clientSecret);
    for (const [i, body] of [
      { authorizedPattern: '*' },
      { authorizedPattern: 'a:*', admin: false },
      { admin: true },
    ].entries()) {
      const key = await relay.createKey({ name: `at rest ${i}`, ...body });
      keys.push(key);
      secrets.push(key.clientSecret);
    }
    // a secret chosen by the client, and the same one for a second key: the salts must tell them apart
    const chosen = 'chosen-secret-at-rest-0123456789';
    for (const clientId of ['chosen-a', 'chosen-b']) {
      const res = await relay.request('/api/apikeys', {
        method: 'POST',
        json: { clientId, name: clientId, clientSecret: chosen },
      });
      assert.equal(res.status, 201);
      keys.push({ clientId, clientSecret: chosen });
    }
    secrets.push(chosen);
    // a rotation: the old secret's hash is replaced, the new one hashed
    const rotated = 'rotated-secret-at-rest-9876543210';
    const put = await relay.request(`/api/apikeys/${keys[0]?.clientId}`, {
      method: 'PUT',
      json: { name: 'rotated', clientSecret: rotated },
    });
    assert.equal(put.status, 200);
    keys[0] = { clientId: keys[0]?.clientId as string, clientSecret: rotated };
    secrets.push(rotated);
    // browser tokens are signed, never stored
    for (const as of [relay.admin, keys[1] as Credentials]) {
      const res = await relay.request('/api/tokens', { method: 'POST', as });
      assert.equal(res.status, 201);
      secrets.push(((await res.json()) as { token: string }).token);
    }
  });
  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });

  it('writes no secret or token, in any encoding, in any key under the prefix', async () => {
    const { keys: names, text } = await dumpPrefix(redis.client, relay.config.redisKeyPrefix);
    assert.ok(names.length >= 5, `the relay wrote keys: ${names.join(', ')}`);
    assert.ok(text.includes('scrypt$'), 'the hashes are there to be read');
    for (const [i, secret] of secrets.entries()) {
      for (const form of encodings(secret)) {
        assert.equal(text.includes(form), false, `secret #${i} found at rest (${form.length} characters)`);
      }
    }
  });

  it('keeps each key as a salted scrypt hash (N ≥ 2^14, r ≥ 8) of its current secret, nothing else', async () => {
    const k = relayKeys(relay.config.redisKeyPrefix);
    const salts = new Set<string>();
    for (const { clientId, clientSecret } of [relay.admin, ...keys]) {
      const record = await redis.client.hgetall(k.apiKey(clientId));
      assert.deepEqual(
        Object.keys(record).sort(),
        ['admin', 'authorizedPattern', 'bootstrap', 'clientId', 'name', 'secretHash', 'v'],
        `${clientId}: the fields of a key record`,
      );
      const m = SCRYPT_HASH.exec(record.secretHash ?? '');
      assert.ok(m, `${clientId}: scrypt$N$r$p$salt$hash`);
      const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
      assert.ok(n >= 16384 && (n & (n - 1)) === 0, `${clientId}: N=${n} is a power of two ≥ 16384`);
      assert.ok(r >= 8 && p >= 1, `${clientId}: r=${r} p=${p}`);
      const salt = Buffer.from(m[4] as string, 'base64url');
      const hash = Buffer.from(m[5] as string, 'base64url');
      assert.ok(salt.length >= 16, `${clientId}: a salt of ${salt.length} bytes`);
      assert.ok(hash.length >= 32, `${clientId}: a hash of ${hash.length} bytes`);
      salts.add(m[4] as string);
      // it is scrypt of the current secret under that salt: recomputed here with node:crypto
      const recomputed = scryptSync(clientSecret, salt, hash.length, { N: n, r, p, maxmem: 256 * n * r });
      assert.ok(recomputed.equals(hash), `${clientId}: the hash is scrypt of its secret`);
    }
    assert.equal(salts.size, keys.length + 1, 'every key has its own salt, even with the same secret');
  });

  it('answers no secret and no hash on GET /api/apikeys, and its events carry neither', async () => {
    const res = await relay.request('/api/apikeys');
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.doesNotMatch(text, /scrypt|secretHash|clientSecret/);
    const entries = JSON.stringify(
      await redis.client.xrange(relayKeys(relay.config.redisKeyPrefix).events, '-', '+'),
    );
    assert.match(entries, /APIKEY_CREATED/);
    assert.match(entries, /APIKEY_UPDATED/);
    assert.doesNotMatch(entries, /scrypt|secretHash|clientSecret/);
  });
});
