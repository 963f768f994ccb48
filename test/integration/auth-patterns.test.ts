import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  expectError,
  listen,
  publish,
  type RelayEvent,
  refusedSse,
  streamLength,
} from '../helpers/relay-checks.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { type Credentials, keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

const issued: string[] = [];

async function issueToken(relay: TestRelay, as: Credentials): Promise<{ token: string; expiresAt: string }> {
  const res = await relay.request('/api/tokens', { method: 'POST', as });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const body = JSON.parse(text) as { token: string; expiresAt: string };
  issued.push(body.token);
  return body;
}

describe('authorized patterns and browser tokens', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  /** The same Redis and prefix, with tokens that live one second. */
  let shortTokens: TestRelay;
  let demo: Credentials;
  const open: SseConnection[] = [];
  const track = (sse: SseConnection) => {
    open.push(sse);
    return sse;
  };

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    demo = await relay.createKey({ name: 'demo reader', authorizedPattern: 'demo:*' });
    // Same prefix and the same admin secret (else its start would reset the admin key to its own secret).
    shortTokens = await startTestRelay(redis.url, {
      TOKEN_TTL: '1s',
      REDIS_KEY_PREFIX: relay.config.redisKeyPrefix,
      RELAY_ADMIN_CLIENT_SECRET: relay.admin.clientSecret,
    });
  });
  after(async () => {
    for (const sse of open) sse.close();
    await shortTokens.stop();
    await relay.stop();
    await redis.stop();
  });

  const mixed = (tag: string) => ({
    events: [
      configEvent(`demo:${tag}:1`),
      configEvent(`other:${tag}`),
      configEvent(`demodemo:${tag}`),
      configEvent(`demo:${tag}:2`),
    ],
  });
  /** The admin's publish of a mixed commit; the demo key may see only the `demo:*` ones. */
  const publishMixed = (tag: string) => publish(relay, mixed(tag));

  it('a pattern-limited key receives only events matching its pattern live, even asking patterns=*', async () => {
    const sse = track(await listen(relay, '/api/events?patterns=*', { as: demo }));
    const all = track(await listen(relay, '/api/events?patterns=*', {}));
    const events = await publishMixed('live');
    await all.waitFor((c) => c.events().length >= 4);
    await sse.waitFor((c) => c.events().some((e) => e.key === 'demo:live:2'));
    assert.deepEqual(
      sse.events().map((e) => e.key),
      ['demo:live:1', 'demo:live:2'],
    );
    assert.deepEqual(
      sse.events().map((e) => e._id),
      [events[0]?._id, events[3]?._id],
    );
  });

  it('the pattern narrows the requested patterns: asking outside it gets nothing', async () => {
    const sse = track(await listen(relay, '/api/events?patterns=other:*,demo:narrow:*', { as: demo }));
    await publish(relay, { events: [configEvent('other:narrow'), configEvent('demo:narrow:1')] });
    await sse.waitFor((c) => c.events().some((e) => e.key === 'demo:narrow:1'));
    assert.deepEqual(
      sse.events().map((e) => e.key),
      ['demo:narrow:1'],
    );
  });

  it('a pattern-limited key receives only matching events in a replay (Last-Event-Id)', async () => {
    const [marker] = await publish(relay, configEvent('demo:marker'));
    const events = await publishMixed('replay');
    const sentinel = await publish(relay, configEvent('demo:replay:after'));
    const sse = track(
      await listen(relay, '/api/events?patterns=*', {
        as: demo,
        headers: { 'Last-Event-Id': String(marker?._id) },
      }),
    );
    await sse.waitFor((c) => c.events().some((e) => e.key === 'demo:replay:after'));
    assert.deepEqual(
      sse.events().map((e) => e._id),
      [events[0]?._id, events[3]?._id, sentinel[0]?._id],
    );
  });

  it('publishing inside its pattern is accepted; outside is 403 and appends nothing', async () => {
    const [ok] = await publish(relay, configEvent('demo:mine'), demo);
    assert.deepEqual(ok?.authInfo, { clientId: demo.clientId, name: 'demo reader' });
    const length = await streamLength(redis, relay);
    const res = await relay.request('/api/events', {
      method: 'POST',
      as: demo,
      json: configEvent('demodemo:x'),
    });
    await expectError(res, 403, 'RELAY_ERR_FORBIDDEN');
    assert.equal(await streamLength(redis, relay), length);
  });

  it('POST /api/tokens answers {token, expiresAt} for an authenticated key, and 401 without one', async () => {
    const before = Date.now();
    const { token, expiresAt } = await issueToken(relay, demo);
    assert.equal(typeof token, 'string');
    assert.ok(token.length > 10);
    assert.equal(token.includes(demo.clientSecret), false);
    const expires = Date.parse(expiresAt);
    assert.ok(Number.isFinite(expires), `expiresAt is a date: ${expiresAt}`);
    assert.ok(expires > before, 'expires in the future');
    await expectError(
      await relay.request('/api/tokens', { method: 'POST', as: null }),
      401,
      'RELAY_ERR_UNAUTHENTICATED',
    );
  });

  it('?token= works on /api/events and /api/events/{domain}, with the key’s rights', async () => {
    const { token } = await issueToken(relay, demo);
    const q = encodeURIComponent(token);
    const a = track(await openSse(`${relay.baseUrl}/api/events?patterns=*&token=${q}`));
    const b = track(await openSse(`${relay.baseUrl}/api/events/Config?token=${q}`));
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    await publishMixed('token');
    for (const sse of [a, b]) {
      await sse.waitFor((c) => c.events().some((e) => e.key === 'demo:token:2'));
      assert.deepEqual(
        sse.events().map((e) => e.key),
        ['demo:token:1', 'demo:token:2'],
      );
    }
  });

  it('refuses ?token= on every other route (401)', async () => {
    const { token } = await issueToken(relay, relay.admin);
    const q = `token=${encodeURIComponent(token)}`;
    const attempts: [string, RequestInit][] = [
      [
        `/api/events?${q}`,
        {
          method: 'POST',
          body: JSON.stringify(configEvent('t:x')),
          headers: { 'Content-Type': 'application/json' },
        },
      ],
      [`/api/apikeys?${q}`, {}],
      [`/api/apikeys/${demo.clientId}?${q}`, {}],
      [`/api/tokens?${q}`, { method: 'POST' }],
    ];
    const length = await streamLength(redis, relay);
    for (const [path, init] of attempts) {
      const res = await fetch(`${relay.baseUrl}${path}`, init);
      await expectError(res, 401, 'RELAY_ERR_UNAUTHENTICATED');
    }
    assert.equal(await streamLength(redis, relay), length);
  });

  it('refuses a tampered or garbage token (401)', async () => {
    const { token } = await issueToken(relay, demo);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [tampered, 'garbage', '']) {
      const { status, body } = await refusedSse(
        `${relay.baseUrl}/api/events?token=${encodeURIComponent(bad)}`,
      );
      assert.equal(status, 401);
      assert.equal(body.error.code, 'RELAY_ERR_UNAUTHENTICATED');
    }
  });

  it('refuses an expired token (401)', async () => {
    const { token, expiresAt } = await issueToken(shortTokens, demo);
    const url = `${shortTokens.baseUrl}/api/events?token=${encodeURIComponent(token)}`;
    const fresh = await openSse(url);
    fresh.close();
    if (fresh.status !== 200) {
      // only acceptable if this machine took longer than the token's one second to get here
      assert.equal(fresh.status, 401);
      assert.ok(Date.now() >= Date.parse(expiresAt), 'a fresh token was refused before its expiry');
    }
    // wait past its expiry (TOKEN_TTL=1s), with margin, then it is refused
    const wait = Math.max(0, Date.parse(expiresAt) - Date.now()) + 300;
    await new Promise((r) => setTimeout(r, wait));
    const { status, body } = await refusedSse(url);
    assert.equal(status, 401);
    assert.equal(body.error.code, 'RELAY_ERR_UNAUTHENTICATED');
  });

  it("refuses a deleted key's token (401)", async () => {
    const doomed = await relay.createKey({ name: 'doomed', authorizedPattern: 'demo:*' });
    const { token } = await issueToken(relay, doomed);
    const url = `${relay.baseUrl}/api/events?token=${encodeURIComponent(token)}`;
    const before = track(await openSse(url));
    assert.equal(before.status, 200, 'the token works while the key exists');
    before.close();
    assert.equal((await relay.request(`/api/apikeys/${doomed.clientId}`, { method: 'DELETE' })).status, 204);
    const { status, body } = await refusedSse(url);
    assert.equal(status, 401);
    assert.equal(body.error.code, 'RELAY_ERR_UNAUTHENTICATED');
  });

  it('refuses a secret in the URL: 401 RELAY_ERR_SECRET_IN_URL, even with valid headers', async () => {
    const secret = encodeURIComponent(demo.clientSecret);
    const id = encodeURIComponent(demo.clientId);
    const sse = await refusedSse(`${relay.baseUrl}/api/events?clientId=${id}&clientSecret=${secret}`);
    assert.equal(sse.status, 401);
    assert.equal(sse.body.error.code, 'RELAY_ERR_SECRET_IN_URL');
    const withHeaders = await refusedSse(
      `${relay.baseUrl}/api/events?clientSecret=${secret}`,
      keyHeaders(demo),
    );
    assert.equal(withHeaders.status, 401);
    assert.equal(withHeaders.body.error.code, 'RELAY_ERR_SECRET_IN_URL');
    const length = await streamLength(redis, relay);
    const post = await fetch(`${relay.baseUrl}/api/events?clientId=${id}&clientSecret=${secret}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(configEvent('demo:url')),
    });
    await expectError(post, 401, 'RELAY_ERR_SECRET_IN_URL');
    assert.equal(await streamLength(redis, relay), length);
    // the secret is not echoed back in the error
    assert.equal(JSON.stringify(sse.body).includes(demo.clientSecret), false);
  });

  it('a key whose pattern is changed sees the new rights on its next connection', async () => {
    const key = await relay.createKey({ name: 'changing', authorizedPattern: 'a:*' });
    const put = await relay.request(`/api/apikeys/${key.clientId}`, {
      method: 'PUT',
      json: { name: 'changing', authorizedPattern: 'b:*' },
    });
    assert.equal(put.status, 200);
    const sse = track(await listen(relay, '/api/events', { as: key }));
    const events: RelayEvent[] = await publish(relay, { events: [configEvent('a:1'), configEvent('b:1')] });
    await sse.waitFor((c) => c.events().some((e) => e.key === 'b:1'));
    assert.deepEqual(
      sse.events().map((e) => e._id),
      [events[1]?._id],
    );
  });

  it('logs neither tokens nor secrets, even those sent in URLs', async () => {
    const all = [...relay.logs, ...shortTokens.logs].join('\n');
    assert.ok(issued.length >= 5);
    for (const token of issued) assert.equal(all.includes(token), false, 'a token reached the log');
    assert.equal(all.includes(demo.clientSecret), false, 'a secret reached the log');
    assert.equal(all.includes(encodeURIComponent(demo.clientSecret)), false, 'a secret reached the log');
  });
});
