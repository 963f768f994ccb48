import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { relayKeys } from '../../src/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  expectError,
  listen,
  publish,
  type RelayEvent,
  streamEntries,
  streamLength,
} from '../helpers/relay-checks.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type Credentials, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

interface KeyView {
  clientId: string;
  name: string;
  authorizedPattern: string;
  admin: boolean;
  clientSecret?: string;
}

function basic(creds: Credentials): Record<string, string> {
  return {
    Authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}`,
  };
}

/** Every string value stored under the relay's prefix (strings, hashes, sets, streams), for secret scans. */
async function everyStoredValue(redis: TestRedis, prefix: string): Promise<string[]> {
  const values: string[] = [];
  const keys = await redis.client.keys(`{${prefix}}*`);
  for (const key of keys) {
    values.push(key);
    const type = await redis.client.type(key);
    if (type === 'string') values.push((await redis.client.get(key)) ?? '');
    else if (type === 'hash') values.push(...Object.entries(await redis.client.hgetall(key)).flat());
    else if (type === 'set') values.push(...(await redis.client.smembers(key)));
    else if (type === 'stream')
      for (const [id, fields] of await redis.client.xrange(key, '-', '+')) values.push(id, ...fields);
  }
  return values;
}

describe('/api/apikeys', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let apiKeyEvents: SseConnection;
  const secretsShown: string[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    apiKeyEvents = await listen(relay, '/api/events?domains=ApiKey');
  });
  after(async () => {
    apiKeyEvents.close();
    await relay.stop();
    await redis.stop();
  });

  const create = async (body: Record<string, unknown>): Promise<Required<KeyView>> => {
    const res = await relay.request('/api/apikeys', { method: 'POST', json: body });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const key = JSON.parse(text) as Required<KeyView>;
    secretsShown.push(key.clientSecret);
    return key;
  };

  it('creates a key: 201 with the key and its clientSecret, shown this once', async () => {
    const key = await create({
      clientId: 'app-1',
      name: 'App one',
      authorizedPattern: 'app1:*',
      admin: false,
    });
    assert.deepEqual(
      { ...key, clientSecret: undefined },
      {
        clientId: 'app-1',
        name: 'App one',
        authorizedPattern: 'app1:*',
        admin: false,
        clientSecret: undefined,
      },
    );
    assert.equal(typeof key.clientSecret, 'string');
    assert.ok(key.clientSecret.length >= 16, 'a long secret');
    const get = await relay.request('/api/apikeys/app-1');
    assert.equal(get.status, 200);
    const text = await get.text();
    assert.deepEqual(JSON.parse(text), {
      clientId: 'app-1',
      name: 'App one',
      authorizedPattern: 'app1:*',
      admin: false,
    });
    assert.equal(text.includes(key.clientSecret), false);
  });

  it('generates a clientId when none is given, with authorizedPattern * and admin false by default', async () => {
    const key = await create({ name: 'anonymous' });
    assert.equal(typeof key.clientId, 'string');
    assert.ok(key.clientId.length > 0);
    assert.equal(key.authorizedPattern, '*');
    assert.equal(key.admin, false);
    const res = await relay.request('/api/events', {
      method: 'POST',
      as: { clientId: key.clientId, clientSecret: key.clientSecret },
      json: configEvent('any:thing'),
    });
    assert.equal(res.status, 201);
  });

  it('lists keys without any secret or hash', async () => {
    const res = await relay.request('/api/apikeys?pageSize=100');
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text) as { results: KeyView[]; metadata: Record<string, number> };
    const ids = body.results.map((k) => k.clientId);
    assert.ok(ids.includes('app-1') && ids.includes('test-admin'), `listed: ${ids}`);
    for (const k of body.results) {
      assert.deepEqual(Object.keys(k).sort(), ['admin', 'authorizedPattern', 'clientId', 'name']);
    }
    assert.equal(body.metadata.count, body.results.length);
    for (const secret of [...secretsShown, relay.admin.clientSecret])
      assert.equal(text.includes(secret), false);
    assert.doesNotMatch(text, /scrypt|secretHash|clientSecret/);
  });

  it('refuses a duplicate clientId: 409, nothing appended', async () => {
    const length = await streamLength(redis, relay);
    const res = await relay.request('/api/apikeys', {
      method: 'POST',
      json: { clientId: 'app-1', name: 'again' },
    });
    await expectError(res, 409, 'RELAY_ERR_CONFLICT');
    assert.equal(await streamLength(redis, relay), length);
  });

  it('refuses an invalid key body with 400 listing every problem', async () => {
    const res = await relay.request('/api/apikeys', {
      method: 'POST',
      json: { clientId: 'bad id with spaces', admin: 'yes' },
    });
    const body = await expectError(res, 400, 'RELAY_ERR_VALIDATION');
    const paths = (body.error.details ?? []).map((d) => d.path).sort();
    assert.deepEqual(paths, ['admin', 'clientId', 'name']);
  });

  it('updates a key with PUT and shows the change', async () => {
    const res = await relay.request('/api/apikeys/app-1', {
      method: 'PUT',
      json: { name: 'App one renamed', authorizedPattern: 'app1:*,shared:*', admin: false },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      clientId: 'app-1',
      name: 'App one renamed',
      authorizedPattern: 'app1:*,shared:*',
      admin: false,
    });
    const get = (await (await relay.request('/api/apikeys/app-1')).json()) as KeyView;
    assert.equal(get.name, 'App one renamed');
    assert.equal(get.authorizedPattern, 'app1:*,shared:*');
  });

  it('answers 404 for an unknown key on GET, PUT and DELETE', async () => {
    await expectError(await relay.request('/api/apikeys/nobody'), 404, 'RELAY_ERR_NOT_FOUND');
    await expectError(
      await relay.request('/api/apikeys/nobody', { method: 'PUT', json: { name: 'x' } }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await expectError(
      await relay.request('/api/apikeys/nobody', { method: 'DELETE' }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
  });

  it('authenticates with HTTP Basic exactly like the Izanami headers', async () => {
    const key = await create({ clientId: 'basic-app', name: 'Basic', authorizedPattern: 'basic:*' });
    const creds = { clientId: key.clientId, clientSecret: key.clientSecret };
    const ok = await relay.request('/api/events', {
      method: 'POST',
      as: null,
      headers: basic(creds),
      json: configEvent('basic:a'),
    });
    assert.equal(ok.status, 201);
    const [event] = ((await ok.json()) as { events: RelayEvent[] }).events;
    assert.deepEqual(event?.authInfo, { clientId: 'basic-app', name: 'Basic' });
    // the key's rights apply the same way
    const outside = await relay.request('/api/events', {
      method: 'POST',
      as: null,
      headers: basic(creds),
      json: configEvent('other:a'),
    });
    await expectError(outside, 403, 'RELAY_ERR_FORBIDDEN');
    const wrong = await relay.request('/api/events', {
      method: 'POST',
      as: null,
      headers: basic({ clientId: key.clientId, clientSecret: `${key.clientSecret}x` }),
      json: configEvent('basic:a'),
    });
    await expectError(wrong, 401, 'RELAY_ERR_UNAUTHENTICATED');
    // and on the SSE route
    const sse = await openSse(`${relay.baseUrl}/api/events?patterns=basic:*`, basic(creds));
    try {
      assert.equal(sse.status, 200);
      await publish(relay, configEvent('basic:b'));
      await sse.waitFor((c) => c.events().some((e) => e.key === 'basic:b'));
    } finally {
      sse.close();
    }
  });

  it('rotates a secret with PUT clientSecret: the old one gets 401 at once, the new one works', async () => {
    const key = await create({ clientId: 'rotating', name: 'Rotating' });
    const old = { clientId: 'rotating', clientSecret: key.clientSecret };
    assert.equal(
      (await relay.request('/api/events', { method: 'POST', as: old, json: configEvent('r:1') })).status,
      201,
    );
    const fresh = 'a-brand-new-secret-for-rotation-0123';
    secretsShown.push(fresh);
    const put = await relay.request('/api/apikeys/rotating', {
      method: 'PUT',
      json: { name: 'Rotating', clientSecret: fresh },
    });
    assert.equal(put.status, 200);
    const putText = await put.text();
    assert.equal(putText.includes(fresh), false, 'the PUT answer does not echo the secret');
    await expectError(
      await relay.request('/api/events', { method: 'POST', as: old, json: configEvent('r:2') }),
      401,
      'RELAY_ERR_UNAUTHENTICATED',
    );
    const res = await relay.request('/api/events', {
      method: 'POST',
      as: { clientId: 'rotating', clientSecret: fresh },
      json: configEvent('r:3'),
    });
    assert.equal(res.status, 201);
  });

  it('deletes a key: 204, then 404, and its secret gets 401 at once', async () => {
    const key = await create({ clientId: 'doomed', name: 'Doomed' });
    const creds = { clientId: 'doomed', clientSecret: key.clientSecret };
    assert.equal(
      (await relay.request('/api/events', { method: 'POST', as: creds, json: configEvent('d:1') })).status,
      201,
    );
    const del = await relay.request('/api/apikeys/doomed', { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(await del.text(), '');
    await expectError(await relay.request('/api/apikeys/doomed'), 404, 'RELAY_ERR_NOT_FOUND');
    await expectError(
      await relay.request('/api/events', { method: 'POST', as: creds, json: configEvent('d:2') }),
      401,
      'RELAY_ERR_UNAUTHENTICATED',
    );
    const sse = await fetch(`${relay.baseUrl}/api/events`, {
      headers: { 'Izanami-Client-Id': creds.clientId, 'Izanami-Client-Secret': creds.clientSecret },
    });
    await expectError(sse, 401, 'RELAY_ERR_UNAUTHENTICATED');
  });

  it('appends APIKEY_CREATED, APIKEY_UPDATED and APIKEY_DELETED events, seen on SSE, without secrets', async () => {
    const key = await create({ clientId: 'evented', name: 'Evented', authorizedPattern: 'ev:*' });
    const put = await relay.request('/api/apikeys/evented', {
      method: 'PUT',
      json: { name: 'Evented 2', authorizedPattern: 'ev:*', clientSecret: 'rotated-secret-of-evented-key' },
    });
    assert.equal(put.status, 200);
    secretsShown.push('rotated-secret-of-evented-key');
    assert.equal((await relay.request('/api/apikeys/evented', { method: 'DELETE' })).status, 204);
    const mine = (c: SseConnection) => c.events().filter((e) => e.key === 'evented');
    await apiKeyEvents.waitFor((c) => mine(c).length >= 3);
    const [created, updated, deleted] = mine(apiKeyEvents) as unknown as [RelayEvent, RelayEvent, RelayEvent];
    assert.equal(created.type, 'APIKEY_CREATED');
    assert.equal(created.domain, 'ApiKey');
    assert.deepEqual(created.payload, {
      clientId: 'evented',
      name: 'Evented',
      authorizedPattern: 'ev:*',
      admin: false,
    });
    assert.deepEqual(created.authInfo, { clientId: 'test-admin', name: 'bootstrap admin' });
    assert.equal(updated.type, 'APIKEY_UPDATED');
    assert.deepEqual(updated.payload, {
      clientId: 'evented',
      name: 'Evented 2',
      authorizedPattern: 'ev:*',
      admin: false,
    });
    assert.deepEqual(updated.oldValue, created.payload);
    assert.equal(deleted.type, 'APIKEY_DELETED');
    assert.equal(mine(apiKeyEvents).length, 3, 'one event per change');
    const frames = apiKeyEvents.frames.map((f) => f.data).join('\n');
    assert.equal(frames.includes(key.clientSecret), false);
    assert.doesNotMatch(frames, /scrypt|secretHash|clientSecret/);
  });

  it('never puts a secret or its hash in the stream (raw XRANGE scan)', async () => {
    const raw = (await streamEntries(redis, relay)).flatMap(([id, fields]) => [id, ...fields]).join('\n');
    assert.ok(raw.includes('APIKEY_CREATED'), 'the scan sees the key events');
    for (const secret of [...secretsShown, relay.admin.clientSecret]) {
      assert.equal(raw.includes(secret), false, 'no plaintext secret in the stream');
    }
    assert.doesNotMatch(raw, /scrypt|secretHash|clientSecret/);
    const hashes = (await redis.client.hgetall(relayKeys(relay.config.redisKeyPrefix).apiKey('app-1')))
      .secretHash;
    assert.ok(hashes && !raw.includes(hashes), 'no stored hash in the stream');
  });

  it('stores secrets hashed: no plaintext secret anywhere under the relay prefix', async () => {
    const stored = await everyStoredValue(redis, relay.config.redisKeyPrefix);
    const hash = await redis.client.hgetall(relayKeys(relay.config.redisKeyPrefix).apiKey('app-1'));
    assert.equal(hash.clientId, 'app-1');
    assert.match(hash.secretHash ?? '', /^scrypt\$/);
    for (const secret of [...secretsShown, relay.admin.clientSecret]) {
      assert.equal(
        stored.some((v) => v.includes(secret)),
        false,
        'a plaintext secret is stored',
      );
    }
  });

  it('writes JSON log lines that never carry a secret', async () => {
    assert.ok(relay.logs.length > 10, 'the relay logged its requests');
    const all = relay.logs.join('\n');
    for (const line of relay.logs) {
      const entry = JSON.parse(line) as { level?: unknown; message?: unknown; timestamp?: unknown };
      assert.equal(typeof entry.level, 'string');
      assert.equal(typeof entry.message, 'string');
      assert.equal(typeof entry.timestamp, 'string');
    }
    for (const secret of [...secretsShown, relay.admin.clientSecret]) {
      assert.equal(all.includes(secret), false, 'a secret reached the log');
    }
    assert.doesNotMatch(all, /scrypt\$/);
  });
});
