import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  assertErrorShape,
  configEvent,
  type ErrorBody,
  expectError,
  publish,
  rawRequest,
  refusedSse,
  streamLength,
} from '../helpers/relay-checks.js';
import { type Credentials, keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

interface Outcome {
  readonly status: number;
  readonly body: ErrorBody;
}

interface BadInput {
  readonly name: string;
  readonly send: () => Promise<Outcome>;
  readonly status: number;
  readonly code: string;
  /** Paths that `details` must list (every problem at once). */
  readonly details?: readonly string[];
}

const MIB = 1024 * 1024;

describe('bad input: each gets its 4xx with a stable code, and nothing is appended', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let limited: Credentials;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
    limited = await relay.createKey({ name: 'demo only', authorizedPattern: 'demo:*' });
    await publish(relay, configEvent('demo:seed')); // the stream is not empty
  });
  after(async () => {
    await relay.stop();
    await redis.stop();
  });

  const viaFetch =
    (path: string, init: Parameters<TestRelay['request']>[1] = {}) =>
    async (): Promise<Outcome> => {
      const res = await relay.request(path, init);
      const text = await res.text();
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `JSON error body: ${text}`);
      return { status: res.status, body: JSON.parse(text) as ErrorBody };
    };
  const post = (body: unknown, as?: Credentials | null) =>
    viaFetch('/api/events', { method: 'POST', json: body, ...(as !== undefined ? { as } : {}) });
  const postRaw = (body: string, contentType = 'application/json') =>
    viaFetch('/api/events', { method: 'POST', body, headers: { 'Content-Type': contentType } });
  const sse =
    (path: string, headers: Record<string, string> = {}, as: Credentials | null = null) =>
    () =>
      refusedSse(`${relay.baseUrl}${path}`, {
        ...(as ? keyHeaders(as) : keyHeaders(relay.admin)),
        ...headers,
      });
  const sseAnonymous =
    (path: string, headers: Record<string, string> = {}) =>
    () =>
      refusedSse(`${relay.baseUrl}${path}`, headers);
  const basic = (id: string, secret: string) => ({
    Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });
  const oversized = (chunked: boolean) => async (): Promise<Outcome> => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const prefix = Buffer.from('{"type":"CONFIG_CREATED","key":"big","payload":"');
    const chunks = [prefix, ...Array.from({ length: 17 }, () => chunk), Buffer.from('"}')];
    const size = chunks.reduce((n, c) => n + c.length, 0);
    assert.ok(size > MIB);
    const res = await rawRequest(`${relay.baseUrl}/api/events`, {
      headers: {
        ...keyHeaders(relay.admin),
        'Content-Type': 'application/json',
        ...(chunked ? {} : { 'Content-Length': String(size) }),
      },
      chunks,
    });
    return { status: res.status, body: JSON.parse(res.text) as ErrorBody };
  };

  const table: BadInput[] = [
    {
      name: 'malformed JSON',
      send: postRaw('{"type": "CONFIG_CREATED", "key": '),
      status: 400,
      code: 'RELAY_ERR_INVALID_JSON',
    },
    { name: 'an empty body', send: postRaw(''), status: 400, code: 'RELAY_ERR_INVALID_JSON' },
    {
      name: 'wrong types (type a number, key an array) and no payload',
      send: post({ type: 42, key: ['a'] }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['type', 'key', 'payload'],
    },
    {
      name: 'missing fields',
      send: post({}),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['type', 'key', 'payload'],
    },
    {
      name: 'a JSON array body',
      send: post([configEvent('demo:a')]),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
    },
    { name: 'a JSON null body', send: postRaw('null'), status: 400, code: 'RELAY_ERR_VALIDATION' },
    {
      name: 'an empty key',
      send: post({ type: 'CONFIG_CREATED', key: '', payload: {} }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['key'],
    },
    {
      name: 'an unknown type',
      send: post({ type: 'CONFIG_EXPLODED', key: 'demo:a', payload: {} }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['type'],
    },
    {
      name: 'a domain contradicting the type',
      send: post({ type: 'CONFIG_CREATED', domain: 'Feature', key: 'demo:a', payload: {} }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['domain'],
    },
    {
      name: 'an unknown domain',
      send: post({ type: 'CONFIG_CREATED', domain: 'Nope', key: 'demo:a', payload: {} }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['domain'],
    },
    {
      name: 'a commit with several bad events lists every problem',
      send: post({
        author: { name: 'x' },
        events: [
          configEvent('demo:ok'),
          { type: 'CONFIG_CREATED', payload: {} },
          { type: 'NOPE', key: 'demo:b', payload: {} },
          { type: 'FEATURE_CREATED', domain: 'Config', key: 'demo:c', payload: {} },
        ],
      }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['author.email', 'events.1.key', 'events.2.type', 'events.3.domain'],
    },
    {
      name: 'a commit of 1001 events',
      send: post({ events: Array.from({ length: 1001 }, (_, i) => configEvent(`demo:${i}`)) }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['events'],
    },
    {
      name: 'a commit with no events',
      send: post({ events: [] }),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['events'],
    },
    {
      name: 'a body over 1 MiB with Content-Length',
      send: oversized(false),
      status: 413,
      code: 'RELAY_ERR_PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a body over 1 MiB, chunked (no Content-Length)',
      send: oversized(true),
      status: 413,
      code: 'RELAY_ERR_PAYLOAD_TOO_LARGE',
    },
    {
      name: 'a body that is not JSON (text/plain)',
      send: postRaw(JSON.stringify(configEvent('demo:a')), 'text/plain'),
      status: 415,
      code: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
    },
    ...['abc', '1-0', '1764000000000-1', '-1', '12.5', '12345678901234567', '99999999999999999999'].map(
      (id): BadInput => ({
        name: `Last-Event-Id ${JSON.stringify(id)}`,
        send: sse('/api/events', { 'Last-Event-Id': id }),
        status: 400,
        code: 'RELAY_ERR_BAD_LAST_EVENT_ID',
      }),
    ),
    {
      name: 'Last-Event-Id beyond a safe integer (16 digits)',
      send: sse('/api/events', { 'Last-Event-Id': '9999999999999999' }),
      status: 400,
      code: 'RELAY_ERR_BAD_LAST_EVENT_ID',
    },
    {
      name: 'lastEventId query "1-0"',
      send: sse('/api/events?lastEventId=1-0'),
      status: 400,
      code: 'RELAY_ERR_BAD_LAST_EVENT_ID',
    },
    {
      name: 'an unknown SSE domain in the query',
      send: sse('/api/events?domains=Config,Nope'),
      status: 400,
      code: 'RELAY_ERR_UNKNOWN_DOMAIN',
    },
    {
      name: 'an unknown SSE domain in the path',
      send: sse('/api/events/Nope'),
      status: 400,
      code: 'RELAY_ERR_UNKNOWN_DOMAIN',
    },
    {
      name: 'an unknown SSE type',
      send: sse('/api/events?types=CONFIG_CREATED,CONFIG_EXPLODED'),
      status: 400,
      code: 'RELAY_ERR_UNKNOWN_TYPE',
    },
    {
      name: 'publishing without credentials',
      send: post(configEvent('demo:a'), null),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'publishing with a wrong secret',
      send: post(configEvent('demo:a'), { clientId: 'test-admin', clientSecret: 'not-the-secret-at-all' }),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'publishing with an unknown client id',
      send: post(configEvent('demo:a'), { clientId: 'nobody', clientSecret: 'not-the-secret-at-all' }),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'publishing with a client id and no secret',
      send: viaFetch('/api/events', {
        method: 'POST',
        as: null,
        json: configEvent('demo:a'),
        headers: { 'Izanami-Client-Id': 'test-admin' },
      }),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'publishing with wrong HTTP Basic credentials',
      send: viaFetch('/api/events', {
        method: 'POST',
        as: null,
        json: configEvent('demo:a'),
        headers: basic('test-admin', 'wrong-secret-wrong-secret'),
      }),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'listening without credentials',
      send: sseAnonymous('/api/events'),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'listening with a wrong secret',
      send: sseAnonymous('/api/events', {
        'Izanami-Client-Id': 'test-admin',
        'Izanami-Client-Secret': 'nope-nope-nope',
      }),
      status: 401,
      code: 'RELAY_ERR_UNAUTHENTICATED',
    },
    {
      name: 'a pattern-limited key publishing outside its pattern',
      send: () => post(configEvent('other:a'), limited)(),
      status: 403,
      code: 'RELAY_ERR_FORBIDDEN',
    },
    {
      name: 'a pattern-limited key publishing a commit with one event outside its pattern',
      send: () =>
        post({ events: [configEvent('demo:a'), configEvent('demo:b'), configEvent('other:c')] }, limited)(),
      status: 403,
      code: 'RELAY_ERR_FORBIDDEN',
    },
    {
      name: 'an API key whose authorized pattern names no glob (it would mean everything)',
      send: () =>
        viaFetch('/api/apikeys', { method: 'POST', json: { name: 'blank', authorizedPattern: ' , ' } })(),
      status: 400,
      code: 'RELAY_ERR_VALIDATION',
      details: ['authorizedPattern'],
    },
    {
      name: 'a non-admin key listing API keys',
      send: () => viaFetch('/api/apikeys', { as: limited })(),
      status: 403,
      code: 'RELAY_ERR_FORBIDDEN',
    },
    {
      name: 'a non-admin key creating an API key',
      send: () =>
        viaFetch('/api/apikeys', { method: 'POST', as: limited, json: { name: 'mine', admin: true } })(),
      status: 403,
      code: 'RELAY_ERR_FORBIDDEN',
    },
    {
      name: 'a non-admin key deleting an API key',
      send: () => viaFetch('/api/apikeys/test-admin', { method: 'DELETE', as: limited })(),
      status: 403,
      code: 'RELAY_ERR_FORBIDDEN',
    },
  ];

  for (const entry of table) {
    it(`${entry.name} → ${entry.status} ${entry.code}`, async () => {
      const length = await streamLength(redis, relay);
      const { status, body } = await entry.send();
      assert.equal(status, entry.status, JSON.stringify(body));
      assertErrorShape(body, entry.code);
      if (entry.details) {
        const paths = (body.error.details ?? []).map((d) => d.path);
        for (const path of entry.details) assert.ok(paths.includes(path), `details list ${path}: ${paths}`);
        for (const d of body.error.details ?? []) assert.equal(typeof d.message, 'string');
      }
      assert.equal(await streamLength(redis, relay), length, 'the stream is unchanged');
    });
  }

  it('answers 401 with a JSON body and a WWW-Authenticate challenge', async () => {
    const res = await relay.request('/api/events', { method: 'POST', as: null, json: configEvent('demo:a') });
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    await expectError(res, 401, 'RELAY_ERR_UNAUTHENTICATED');
  });

  it('still accepts the pattern-limited key inside its pattern (the 403s above were about the key)', async () => {
    const length = await streamLength(redis, relay);
    const events = await publish(relay, { events: [configEvent('demo:a'), configEvent('demo:b')] }, limited);
    assert.equal(events.length, 2);
    assert.equal(await streamLength(redis, relay), length + 2);
  });
});
