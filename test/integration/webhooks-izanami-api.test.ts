import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { relayKeys } from '../../src/redis/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  expectError,
  listen,
  type RelayEvent,
  streamEntries,
  streamLength,
} from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { type Credentials, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

/** An Izanami webhook as `/api/webhooks` shows it. */
interface HookView {
  clientId: string;
  callbackUrl: string;
  domains: string[];
  patterns: string[];
  types: string[];
  headers: Record<string, string>;
  created: string;
  isBanned: boolean;
  hasSecret: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  disabledReason: string | null;
}

interface HookPage {
  results: HookView[];
  metadata: { page: number; pageSize: number; count: number; nbPages: number };
}

const VIEW_KEYS = [
  'callbackUrl',
  'clientId',
  'consecutiveFailures',
  'created',
  'disabledReason',
  'domains',
  'hasSecret',
  'headers',
  'isBanned',
  'lastAttemptAt',
  'lastError',
  'lastSuccessAt',
  'patterns',
  'types',
].sort();

const URL_A = 'http://127.0.0.1:9/hook';
const URL_B = 'http://127.0.0.1:9/other-hook';

/** Standard Webhooks secrets (whsec_ + base64 of 24 to 64 bytes), distinct so a scan can find each. */
const SECRET_1 = `whsec_${Buffer.from('izanami-secret-number-one-0123456789').toString('base64')}`;
const SECRET_2 = `whsec_${Buffer.from('izanami-secret-number-two-0123456789').toString('base64')}`;

describe('Izanami webhooks API /api/webhooks', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let webhookEvents: SseConnection;
  let reader: Credentials;
  /** Every secret sent to the API: none may reach an answer or the stream. */
  const secrets: string[] = [SECRET_1, SECRET_2];
  /** Header values (often the receiver's credentials): shown to admins, never put in the stream. */
  const headerValues: string[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    webhookEvents = await listen(relay, '/api/events/Webhook');
    reader = await relay.createKey({ name: 'not an admin', authorizedPattern: '*', admin: false });
  });
  after(async () => {
    webhookEvents?.close();
    await relay?.stop();
    await redis?.stop();
  });

  const keys = () => relayKeys(relay.config.redisKeyPrefix);

  const create = async (body: Record<string, unknown>): Promise<HookView> => {
    const res = await relay.request('/api/webhooks', { method: 'POST', json: body });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    for (const value of secrets) assert.equal(text.includes(value), false, 'the answer shows a secret');
    return JSON.parse(text) as HookView;
  };

  const get = async (id: string): Promise<HookView> => {
    const res = await relay.request(`/api/webhooks/${encodeURIComponent(id)}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    for (const value of secrets) assert.equal(text.includes(value), false, 'the answer shows a secret');
    return JSON.parse(text) as HookView;
  };

  const list = async (query: string): Promise<HookPage> => {
    const res = await relay.request(`/api/webhooks${query}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as HookPage;
  };

  /** Sends a write that must be refused and checks that nothing was appended; returns the error body. */
  const refused = async (
    path: string,
    init: { method: string; json?: unknown },
    status: number,
    code: string,
  ) => {
    const before = await streamLength(redis, relay);
    const body = await expectError(await relay.request(path, init), status, code);
    assert.equal(await streamLength(redis, relay), before, 'a refused write appended an event');
    return body;
  };

  const detailPaths = (body: { error: { details?: { path: string }[] } }) =>
    (body.error.details ?? []).map((d) => d.path).sort();

  it('creates a webhook: 201 with the model, read-only delivery state, and hasSecret instead of the secret', async () => {
    headerValues.push('token-value-of-full-hook');
    const before = Date.now();
    const hook = await create({
      clientId: 'full-hook',
      callbackUrl: URL_A,
      domains: ['Config', 'feature'],
      patterns: ['app:*', 'shared:*'],
      types: ['CONFIG_UPDATED', 'FEATURE_CREATED'],
      headers: { 'X-Api-Token': 'token-value-of-full-hook' },
      secret: SECRET_1,
    });
    const afterCreate = Date.now();
    assert.deepEqual(Object.keys(hook).sort(), VIEW_KEYS);
    assert.deepEqual(
      { ...hook, created: undefined },
      {
        clientId: 'full-hook',
        callbackUrl: URL_A,
        domains: ['Config', 'Feature'],
        patterns: ['app:*', 'shared:*'],
        types: ['CONFIG_UPDATED', 'FEATURE_CREATED'],
        // headers are shown to admins as they were given; only the events leave the values out
        headers: { 'X-Api-Token': 'token-value-of-full-hook' },
        created: undefined,
        isBanned: false,
        hasSecret: true,
        consecutiveFailures: 0,
        lastError: null,
        lastAttemptAt: null,
        lastSuccessAt: null,
        disabledReason: null,
      },
    );
    const created = Date.parse(hook.created);
    assert.ok(Number.isFinite(created), `created is a date: ${hook.created}`);
    assert.ok(created >= before - 1000 && created <= afterCreate + 1000, 'created is the creation time');
    assert.deepEqual(await get('full-hook'), hook);
  });

  it('generates a clientId when none is given, with empty filters and no secret by default', async () => {
    const hook = await create({ callbackUrl: URL_B });
    assert.equal(typeof hook.clientId, 'string');
    assert.ok(hook.clientId.length > 0);
    assert.deepEqual(
      { ...hook, clientId: undefined, created: undefined },
      {
        clientId: undefined,
        callbackUrl: URL_B,
        domains: [],
        patterns: [],
        types: [],
        headers: {},
        created: undefined,
        isBanned: false,
        hasSecret: false,
        consecutiveFailures: 0,
        lastError: null,
        lastAttemptAt: null,
        lastSuccessAt: null,
        disabledReason: null,
      },
    );
    assert.deepEqual(await get(hook.clientId), hook);
    const other = await create({ callbackUrl: URL_B });
    assert.notEqual(other.clientId, hook.clientId, 'each generated clientId is new');
  });

  it('refuses a duplicate clientId with 409 and leaves the first webhook as it was', async () => {
    const first = await create({ clientId: 'dup-hook', callbackUrl: URL_A });
    await refused(
      '/api/webhooks',
      { method: 'POST', json: { clientId: 'dup-hook', callbackUrl: URL_B } },
      409,
      'RELAY_ERR_CONFLICT',
    );
    assert.deepEqual(await get('dup-hook'), first);
  });

  it('lists with pattern, page and pageSize as Izanami answers: {results, metadata}, pages from 1, 15 by default', async () => {
    const ids = Array.from({ length: 17 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const id of ids) await create({ clientId: id, callbackUrl: URL_A, secret: SECRET_2 });

    const first = await list('?pattern=page-*');
    assert.deepEqual(first.metadata, { page: 1, pageSize: 15, count: 17, nbPages: 2 });
    assert.equal(first.results.length, 15);
    const second = await list('?pattern=page-*&page=2');
    assert.deepEqual(second.metadata, { page: 2, pageSize: 15, count: 17, nbPages: 2 });
    assert.equal(second.results.length, 2);
    const seen = [...first.results, ...second.results].map((h) => h.clientId);
    assert.deepEqual([...seen].sort(), ids, 'the two pages hold every hook once');
    for (const hook of [...first.results, ...second.results]) {
      assert.deepEqual(Object.keys(hook).sort(), VIEW_KEYS);
      assert.equal(hook.hasSecret, true);
    }

    const small = await list('?pattern=page-*&pageSize=5&page=4');
    assert.deepEqual(small.metadata, { page: 4, pageSize: 5, count: 17, nbPages: 4 });
    assert.deepEqual(
      small.results.map((h) => h.clientId),
      seen.slice(15),
      'pages are cut from one stable order',
    );
    const beyond = await list('?pattern=page-*&pageSize=5&page=5');
    assert.deepEqual(beyond, { results: [], metadata: { page: 5, pageSize: 5, count: 17, nbPages: 4 } });

    const zeros = await list('?pattern=page-0*');
    assert.deepEqual(zeros.results.map((h) => h.clientId).sort(), ids.slice(0, 10));
    assert.equal(zeros.metadata.count, 10);
    const several = await list('?pattern=page-03,page-16,full-*');
    assert.deepEqual(several.results.map((h) => h.clientId).sort(), ['full-hook', 'page-03', 'page-16']);
    const none = await list('?pattern=no-such-hook*');
    assert.deepEqual(none, { results: [], metadata: { page: 1, pageSize: 15, count: 0, nbPages: 0 } });

    const all = await list('?pageSize=1000');
    assert.ok(
      all.metadata.count >= 17 + 4,
      `every webhook is listed without a pattern (${all.metadata.count})`,
    );
    assert.equal(all.results.length, all.metadata.count);
    const text = JSON.stringify(all);
    for (const value of [SECRET_1, SECRET_2])
      assert.equal(text.includes(value), false, 'a list shows a secret');

    await expectError(await relay.request('/api/webhooks?page=0'), 400, 'RELAY_ERR_VALIDATION');
    await expectError(await relay.request('/api/webhooks?pageSize=0'), 400, 'RELAY_ERR_VALIDATION');
    await expectError(await relay.request('/api/webhooks?page=two'), 400, 'RELAY_ERR_VALIDATION');
  });

  it('replaces a webhook with PUT: created kept, secret kept when absent and removed with null', async () => {
    const original = await create({
      clientId: 'put-hook',
      callbackUrl: URL_A,
      domains: ['Config'],
      secret: SECRET_1,
    });
    const res = await relay.request('/api/webhooks/put-hook', {
      method: 'PUT',
      json: {
        callbackUrl: URL_B,
        patterns: ['put:*'],
        types: ['FEATURE_UPDATED'],
        headers: { 'X-Team': 'blue' },
      },
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const replaced = JSON.parse(text) as HookView;
    assert.deepEqual(replaced, {
      ...original,
      callbackUrl: URL_B,
      domains: [],
      patterns: ['put:*'],
      types: ['FEATURE_UPDATED'],
      headers: { 'X-Team': 'blue' },
      hasSecret: true,
    });
    assert.deepEqual(await get('put-hook'), replaced);

    // a client may send back what it got (read-only fields included) with its changes
    const roundTrip = await relay.request('/api/webhooks/put-hook', {
      method: 'PUT',
      json: { ...replaced, callbackUrl: URL_A, created: '2001-01-01T00:00:00.000Z', consecutiveFailures: 99 },
    });
    assert.equal(roundTrip.status, 200, await roundTrip.clone().text());
    const sentBack = (await roundTrip.json()) as HookView;
    assert.equal(sentBack.callbackUrl, URL_A);
    assert.equal(sentBack.created, original.created, 'created is read-only');
    assert.equal(sentBack.consecutiveFailures, 0, 'delivery state is read-only');

    const cleared = await relay.request('/api/webhooks/put-hook', {
      method: 'PUT',
      json: { callbackUrl: URL_A, secret: null },
    });
    assert.equal(cleared.status, 200);
    assert.equal(((await cleared.json()) as HookView).hasSecret, false);
    assert.equal((await get('put-hook')).hasSecret, false);

    const body = await refused(
      '/api/webhooks/put-hook',
      { method: 'PUT', json: { clientId: 'another-id', callbackUrl: URL_A } },
      400,
      'RELAY_ERR_VALIDATION',
    );
    assert.deepEqual(detailPaths(body), ['clientId']);
    await refused(
      '/api/webhooks/put-hook',
      { method: 'PUT', json: { domains: ['Config'] } },
      400,
      'RELAY_ERR_VALIDATION',
    );
    assert.equal((await get('put-hook')).callbackUrl, URL_A);
  });

  it('patches a webhook with JSON Patch (RFC 6902): replace, add and remove on the writable view', async () => {
    headerValues.push('secret-header-of-patch-hook');
    const original = await create({
      clientId: 'patch-hook',
      callbackUrl: URL_A,
      patterns: ['x:*'],
      headers: { 'X-Keep': 'kept', 'X-Drop': 'secret-header-of-patch-hook' },
      secret: SECRET_2,
    });
    const res = await relay.request('/api/webhooks/patch-hook', {
      method: 'PATCH',
      json: [
        { op: 'replace', path: '/callbackUrl', value: URL_B },
        { op: 'add', path: '/patterns/-', value: 'a:*' },
        { op: 'add', path: '/domains/-', value: 'Feature' },
        { op: 'remove', path: '/headers/X-Drop' },
        { op: 'add', path: '/headers/X-New', value: 'fresh' },
        { op: 'test', path: '/isBanned', value: false },
      ],
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const patched = JSON.parse(text) as HookView;
    assert.deepEqual(patched, {
      ...original,
      callbackUrl: URL_B,
      patterns: ['x:*', 'a:*'],
      domains: ['Feature'],
      headers: { 'X-Keep': 'kept', 'X-New': 'fresh' },
      hasSecret: true,
    });
    assert.deepEqual(await get('patch-hook'), patched);
  });

  it('refuses an invalid JSON Patch, or one whose result is invalid, with 400 and changes nothing', async () => {
    const original = await create({ clientId: 'bad-patch-hook', callbackUrl: URL_A, patterns: ['p:*'] });
    const path = '/api/webhooks/bad-patch-hook';
    const bad: unknown[] = [
      { op: 'replace', path: '/callbackUrl', value: URL_B }, // not an array
      [{ op: 'jump', path: '/callbackUrl', value: URL_B }], // unknown op
      [{ op: 'replace', path: '/nothing/here', value: 1 }], // path that does not exist
      [{ op: 'remove', path: '/patterns/5' }], // index out of range
      [{ op: 'replace', value: URL_B }], // no path
      [{ op: 'test', path: '/callbackUrl', value: URL_B }], // failing test
      [
        { op: 'replace', path: '/patterns/0', value: 'q:*' },
        { op: 'replace', path: '/callbackUrl', value: 'ftp://127.0.0.1/x' }, // valid patch, invalid hook
      ],
      [{ op: 'add', path: '/types/-', value: 'NOT_A_TYPE' }],
      [{ op: 'replace', path: '/clientId', value: 'renamed' }],
      [{ op: 'add', path: '/unknownField', value: true }],
    ];
    for (const patch of bad) {
      const body = await refused(path, { method: 'PATCH', json: patch }, 400, 'RELAY_ERR_VALIDATION');
      assert.ok((body.error.details ?? []).length > 0, `details for ${JSON.stringify(patch)}`);
    }
    assert.deepEqual(await get('bad-patch-hook'), original);
  });

  it('deletes a webhook: 204 with no body, then 404 everywhere', async () => {
    await create({ clientId: 'doomed-hook', callbackUrl: URL_A });
    const res = await relay.request('/api/webhooks/doomed-hook', { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    await expectError(await relay.request('/api/webhooks/doomed-hook'), 404, 'RELAY_ERR_NOT_FOUND');
    assert.equal((await list('?pattern=doomed-hook')).metadata.count, 0);
    await refused('/api/webhooks/doomed-hook', { method: 'DELETE' }, 404, 'RELAY_ERR_NOT_FOUND');
  });

  it('answers 404 for an unknown id on GET, PUT, PATCH and DELETE', async () => {
    await expectError(await relay.request('/api/webhooks/nobody'), 404, 'RELAY_ERR_NOT_FOUND');
    await refused(
      '/api/webhooks/nobody',
      { method: 'PUT', json: { callbackUrl: URL_A } },
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await refused(
      '/api/webhooks/nobody',
      { method: 'PATCH', json: [{ op: 'replace', path: '/callbackUrl', value: URL_A }] },
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await refused('/api/webhooks/nobody', { method: 'DELETE' }, 404, 'RELAY_ERR_NOT_FOUND');
  });

  describe('validation: 400 RELAY_ERR_VALIDATION with details, nothing written', () => {
    const cases: { what: string; body: Record<string, unknown>; paths: string[]; message?: RegExp }[] = [
      { what: 'an ftp: URL', body: { callbackUrl: 'ftp://127.0.0.1/hook' }, paths: ['callbackUrl'] },
      { what: 'a javascript: URL', body: { callbackUrl: 'javascript:alert(1)' }, paths: ['callbackUrl'] },
      { what: 'a URL that is not one', body: { callbackUrl: 'not a url' }, paths: ['callbackUrl'] },
      { what: 'no URL', body: { domains: ['Config'] }, paths: ['callbackUrl'] },
      {
        what: 'an unknown domain',
        body: { callbackUrl: URL_A, domains: ['Config', 'Weather'] },
        paths: ['domains.1'],
        message: /Weather/,
      },
      {
        what: 'an unknown type',
        body: { callbackUrl: URL_A, types: ['CONFIG_UPDATED', 'CONFIG_EXPLODED'] },
        paths: ['types.1'],
        message: /CONFIG_EXPLODED/,
      },
      {
        what: 'a header name that is not a token',
        body: { callbackUrl: URL_A, headers: { 'Bad Header': 'x' } },
        paths: ['headers.Bad Header'],
        message: /not a valid HTTP header name/,
      },
      {
        what: 'a header name with a colon',
        body: { callbackUrl: URL_A, headers: { 'X-A:b': 'x' } },
        paths: ['headers.X-A:b'],
        message: /not a valid HTTP header name/,
      },
      {
        what: 'the reserved Content-Type header',
        body: { callbackUrl: URL_A, headers: { 'Content-Type': 'text/plain' } },
        paths: ['headers.Content-Type'],
        message: /set by the relay/,
      },
      {
        what: 'the reserved webhook-signature header (any case)',
        body: { callbackUrl: URL_A, headers: { 'Webhook-Signature': 'v1,forged' } },
        paths: ['headers.Webhook-Signature'],
        message: /set by the relay/,
      },
      {
        what: 'a header value with CR/LF',
        body: { callbackUrl: URL_A, headers: { 'X-Injected': 'a\r\nX-Evil: 1' } },
        paths: ['headers.X-Injected'],
        message: /line breaks/,
      },
      {
        what: 'a header value with a bare LF',
        body: { callbackUrl: URL_A, headers: { 'X-Injected': 'a\nb' } },
        paths: ['headers.X-Injected'],
      },
      {
        what: 'a secret that is not whsec_ base64',
        body: { callbackUrl: URL_A, secret: 'my-plain-password' },
        paths: ['secret'],
        message: /whsec_/,
      },
      {
        what: 'a whsec_ secret that is too short',
        body: { callbackUrl: URL_A, secret: 'whsec_c2hvcnQ=' },
        paths: ['secret'],
      },
      {
        what: 'isBanned not a boolean',
        body: { callbackUrl: URL_A, isBanned: 'false' },
        paths: ['isBanned'],
      },
      { what: 'an unknown field', body: { callbackUrl: URL_A, color: 'red' }, paths: ['color'] },
      {
        what: 'a clientId with spaces',
        body: { clientId: 'has spaces', callbackUrl: URL_A },
        paths: ['clientId'],
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.what}`, async () => {
        const body = await refused(
          '/api/webhooks',
          { method: 'POST', json: c.body },
          400,
          'RELAY_ERR_VALIDATION',
        );
        assert.deepEqual(detailPaths(body), c.paths);
        if (c.message) {
          const messages = (body.error.details ?? []).map((d) => d.message).join(' | ');
          assert.match(messages, c.message);
        }
      });
    }

    it('lists every problem of one body at once', async () => {
      const body = await refused(
        '/api/webhooks',
        {
          method: 'POST',
          json: {
            callbackUrl: 'ftp://x/y',
            domains: ['Nope'],
            types: ['NOPE'],
            headers: { 'Content-Length': '1', 'X-Ok': 'a\rb' },
            secret: 'x',
          },
        },
        400,
        'RELAY_ERR_VALIDATION',
      );
      assert.deepEqual(detailPaths(body), [
        'callbackUrl',
        'domains.0',
        'headers.Content-Length',
        'headers.X-Ok',
        'secret',
        'types.0',
      ]);
    });

    it('applies the same rules to PUT and PATCH', async () => {
      await create({ clientId: 'validated-hook', callbackUrl: URL_A });
      const put = await refused(
        '/api/webhooks/validated-hook',
        { method: 'PUT', json: { callbackUrl: URL_A, headers: { 'webhook-id': 'x' } } },
        400,
        'RELAY_ERR_VALIDATION',
      );
      assert.deepEqual(detailPaths(put), ['headers.webhook-id']);
      const patch = await refused(
        '/api/webhooks/validated-hook',
        { method: 'PATCH', json: [{ op: 'add', path: '/headers/X-Bad', value: 'a\r\nb' }] },
        400,
        'RELAY_ERR_VALIDATION',
      );
      assert.deepEqual(detailPaths(patch), ['headers.X-Bad']);
      const secret = await refused(
        '/api/webhooks/validated-hook',
        { method: 'PATCH', json: [{ op: 'add', path: '/secret', value: 'plain' }] },
        400,
        'RELAY_ERR_VALIDATION',
      );
      assert.deepEqual(detailPaths(secret), ['secret']);
      const hook = await get('validated-hook');
      assert.deepEqual(hook.headers, {});
      assert.equal(hook.hasSecret, false);
    });
  });

  it('is for admins only: a non-admin key gets 403, no key or a wrong one 401', async () => {
    await create({ clientId: 'guarded-hook', callbackUrl: URL_A });
    const attempts: [string, { method: string; json?: unknown }][] = [
      ['/api/webhooks', { method: 'GET' }],
      ['/api/webhooks', { method: 'POST', json: { clientId: 'sneaky', callbackUrl: URL_A } }],
      ['/api/webhooks/guarded-hook', { method: 'GET' }],
      ['/api/webhooks/guarded-hook', { method: 'PUT', json: { callbackUrl: URL_B } }],
      [
        '/api/webhooks/guarded-hook',
        { method: 'PATCH', json: [{ op: 'replace', path: '/callbackUrl', value: URL_B }] },
      ],
      ['/api/webhooks/guarded-hook', { method: 'DELETE' }],
    ];
    const before = await streamLength(redis, relay);
    for (const [path, init] of attempts) {
      await expectError(await relay.request(path, { ...init, as: reader }), 403, 'RELAY_ERR_FORBIDDEN');
      await expectError(await relay.request(path, { ...init, as: null }), 401, 'RELAY_ERR_UNAUTHENTICATED');
      await expectError(
        await relay.request(path, {
          ...init,
          as: { clientId: relay.admin.clientId, clientSecret: 'wrong-secret' },
        }),
        401,
        'RELAY_ERR_UNAUTHENTICATED',
      );
    }
    assert.equal(await streamLength(redis, relay), before, 'a refused request appended an event');
    assert.equal((await get('guarded-hook')).callbackUrl, URL_A);
    await expectError(await relay.request('/api/webhooks/sneaky'), 404, 'RELAY_ERR_NOT_FOUND');
  });

  it('appends WEBHOOK_CREATED, WEBHOOK_UPDATED and WEBHOOK_DELETED, one per change, seen on SSE', async () => {
    headerValues.push('header-value-of-evented-hook', 'second-header-value-of-evented');
    const lengthBefore = await streamLength(redis, relay);
    const created = await create({
      clientId: 'evented-hook',
      callbackUrl: URL_A,
      domains: ['Config'],
      patterns: ['ev:*'],
      headers: { Authorization: 'header-value-of-evented-hook' },
      secret: SECRET_1,
    });
    assert.equal(await streamLength(redis, relay), lengthBefore + 1);
    const put = await relay.request('/api/webhooks/evented-hook', {
      method: 'PUT',
      json: {
        callbackUrl: URL_B,
        domains: ['Config'],
        patterns: ['ev:*'],
        headers: { Authorization: 'second-header-value-of-evented' },
        secret: SECRET_2,
      },
    });
    assert.equal(put.status, 200);
    assert.equal(await streamLength(redis, relay), lengthBefore + 2);
    const patch = await relay.request('/api/webhooks/evented-hook', {
      method: 'PATCH',
      json: [{ op: 'add', path: '/types/-', value: 'CONFIG_DELETED' }],
    });
    assert.equal(patch.status, 200);
    assert.equal(await streamLength(redis, relay), lengthBefore + 3);
    const del = await relay.request('/api/webhooks/evented-hook', { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(await streamLength(redis, relay), lengthBefore + 4);

    const mine = (c: SseConnection) =>
      c.events().filter((e) => e.key === 'evented-hook') as unknown as RelayEvent[];
    await webhookEvents.waitFor((c) => mine(c).length >= 4);
    const events = mine(webhookEvents);
    assert.deepEqual(
      events.map((e) => e.type),
      ['WEBHOOK_CREATED', 'WEBHOOK_UPDATED', 'WEBHOOK_UPDATED', 'WEBHOOK_DELETED'],
    );
    const [onCreate, onPut, onPatch, onDelete] = events as [RelayEvent, RelayEvent, RelayEvent, RelayEvent];
    for (const e of events) {
      assert.equal(e.domain, 'Webhook');
      assert.deepEqual(e.authInfo, { clientId: 'test-admin', name: 'bootstrap admin' });
    }
    assert.deepEqual(onCreate.payload, {
      id: 'evented-hook',
      api: 'izanami',
      url: URL_A,
      domains: ['Config'],
      types: [],
      patterns: ['ev:*'],
      keyPath: null,
      headerNames: ['Authorization'],
      created: created.created,
      isBanned: false,
      disabledReason: null,
    });
    assert.equal(onCreate.oldValue, undefined);
    assert.deepEqual(onPut.oldValue, onCreate.payload);
    assert.equal((onPut.payload as { url: string }).url, URL_B);
    assert.deepEqual(onPatch.oldValue, onPut.payload);
    assert.deepEqual((onPatch.payload as { types: string[] }).types, ['CONFIG_DELETED']);
    assert.deepEqual(onDelete.payload, onPatch.payload);

    const frames = webhookEvents.frames.map((f) => f.data).join('\n');
    for (const value of [...secrets, ...headerValues])
      assert.equal(frames.includes(value), false, `SSE frames carry ${value}`);
    assert.doesNotMatch(frames, /whsec_|"secret"|"headers"/);
  });

  it('never puts a secret or a header value in the stream (raw XRANGE scan)', async () => {
    const raw = (await streamEntries(redis, relay)).flatMap(([id, fields]) => [id, ...fields]).join('\n');
    assert.ok(
      raw.includes('WEBHOOK_CREATED') && raw.includes('full-hook'),
      'the scan sees the webhook events',
    );
    assert.ok(headerValues.length >= 4, 'header values were sent');
    for (const value of [...secrets, ...headerValues])
      assert.equal(raw.includes(value), false, `the stream carries ${value}`);
    assert.doesNotMatch(raw, /whsec_/);
    // but the registry itself keeps the secret, for signing
    const stored = await redis.client.hgetall(keys().hook('full-hook'));
    assert.equal(stored.secret, SECRET_1);
  });

  it('shows Izanami and Tweek hooks only through their own API', async () => {
    const izanami = await create({ clientId: 'izanami-only', callbackUrl: URL_A });
    const posted = await relay.request('/api/v2/hooks', {
      method: 'POST',
      json: { keyPath: 'some/key', type: 'notification_webhook', url: URL_B },
    });
    assert.equal(posted.status, 201);
    const tweek = (await posted.json()) as { id: string; keyPath: string; type: string; url: string };
    const tweekPath = `/api/webhooks/${encodeURIComponent(tweek.id)}`;

    await expectError(await relay.request(tweekPath), 404, 'RELAY_ERR_NOT_FOUND');
    await refused(tweekPath, { method: 'PUT', json: { callbackUrl: URL_A } }, 404, 'RELAY_ERR_NOT_FOUND');
    await refused(
      tweekPath,
      { method: 'PATCH', json: [{ op: 'replace', path: '/callbackUrl', value: URL_A }] },
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await refused(tweekPath, { method: 'DELETE' }, 404, 'RELAY_ERR_NOT_FOUND');
    const all = await list('?pageSize=1000');
    assert.equal(
      all.results.some((h) => h.clientId === tweek.id),
      false,
      'the Izanami list shows a Tweek hook',
    );
    // its id is taken all the same: the registry is one
    await refused(
      '/api/webhooks',
      { method: 'POST', json: { clientId: tweek.id, callbackUrl: URL_A } },
      409,
      'RELAY_ERR_CONFLICT',
    );

    const izanamiPath = `/api/v2/hooks/${izanami.clientId}`;
    await refused(
      izanamiPath,
      { method: 'PUT', json: { keyPath: 'k', type: 'notification_webhook', url: URL_A } },
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await refused(izanamiPath, { method: 'DELETE' }, 404, 'RELAY_ERR_NOT_FOUND');
    const tweekList = (await (await relay.request('/api/v2/hooks')).json()) as { id: string }[];
    assert.deepEqual(
      tweekList.map((h) => h.id),
      [tweek.id],
      'the Tweek list shows only the Tweek hook',
    );
    assert.deepEqual(await get('izanami-only'), izanami);
  });

  it('re-enables a banned webhook with PUT isBanned false, resetting its delivery state', async () => {
    const banned = await create({ clientId: 'banned-put', callbackUrl: URL_A, isBanned: true });
    assert.equal(banned.isBanned, true);
    // what the delivery worker leaves behind when it disables a hook
    await redis.client.hset(keys().hookState('banned-put'), { failures: '10', lastError: 'HTTP 500' });
    await redis.client.hset(keys().hook('banned-put'), { disabledReason: '10 consecutive failures' });
    const seen = await get('banned-put');
    assert.equal(seen.consecutiveFailures, 10);
    assert.equal(seen.lastError, 'HTTP 500');
    assert.equal(seen.disabledReason, '10 consecutive failures');

    // a change that keeps it banned keeps its state and reason
    const still = await relay.request('/api/webhooks/banned-put', {
      method: 'PUT',
      json: { callbackUrl: URL_B, isBanned: true },
    });
    assert.equal(still.status, 200);
    const kept = (await still.json()) as HookView;
    assert.equal(kept.isBanned, true);
    assert.equal(kept.consecutiveFailures, 10);
    assert.equal(kept.disabledReason, '10 consecutive failures');

    const lengthBefore = await streamLength(redis, relay);
    const res = await relay.request('/api/webhooks/banned-put', {
      method: 'PUT',
      json: { callbackUrl: URL_B, isBanned: false },
    });
    assert.equal(res.status, 200);
    const enabled = (await res.json()) as HookView;
    assert.equal(enabled.isBanned, false);
    assert.equal(enabled.consecutiveFailures, 0);
    assert.equal(enabled.lastError, null);
    assert.equal(enabled.disabledReason, null);
    assert.deepEqual(await get('banned-put'), enabled);
    assert.equal(await streamLength(redis, relay), lengthBefore + 1);
    const last = (await streamEntries(redis, relay)).at(-1);
    assert.ok(last, 'the stream has an entry');
    const text = last[1].join('\n');
    assert.match(text, /WEBHOOK_UPDATED/);
    assert.match(text, /banned-put/);
  });

  it('re-enables a banned webhook with PATCH replace /isBanned false', async () => {
    await create({ clientId: 'banned-patch', callbackUrl: URL_A, isBanned: true, secret: SECRET_1 });
    await redis.client.hset(keys().hookState('banned-patch'), { failures: '3', lastError: 'HTTP 410' });
    const res = await relay.request('/api/webhooks/banned-patch', {
      method: 'PATCH',
      json: [
        { op: 'test', path: '/isBanned', value: true },
        { op: 'replace', path: '/isBanned', value: false },
      ],
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const enabled = JSON.parse(text) as HookView;
    assert.equal(enabled.isBanned, false);
    assert.equal(enabled.consecutiveFailures, 0);
    assert.equal(enabled.lastError, null);
    assert.equal(enabled.hasSecret, true, 'a patch keeps the secret');
    await webhookEvents.waitFor((c) =>
      c
        .events()
        .some(
          (e) =>
            e.type === 'WEBHOOK_UPDATED' &&
            e.key === 'banned-patch' &&
            (e.payload as { isBanned: boolean }).isBanned === false &&
            (e.oldValue as { isBanned: boolean }).isBanned === true,
        ),
    );
  });
});
