import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  eventually,
  expectError,
  listen,
  metricValue,
  publish,
  type RelayEvent,
  readMetric,
  streamEntries,
} from '../helpers/relay-checks.js';
import { openSse, type SseConnection } from '../helpers/sse-client.js';
import { keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

describe('operations: /health, /ready, /metrics, errors, Redis outage', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  const open: SseConnection[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
  });
  after(async () => {
    for (const sse of open) sse.close();
    await relay.stop();
    await redis.stop();
  });

  it('GET /health answers 200 without credentials', async () => {
    const res = await fetch(`${relay.baseUrl}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('GET /ready answers 200 without credentials while Redis answers', async () => {
    const res = await fetch(`${relay.baseUrl}/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready' });
  });

  it('GET /metrics serves Prometheus text with events appended, SSE clients and replayed events', async () => {
    const before = await fetch(`${relay.baseUrl}/metrics`);
    assert.equal(before.status, 200);
    assert.match(before.headers.get('content-type') ?? '', /^text\/plain/);
    const beforeText = await before.text();
    for (const name of [
      'relay_events_appended_total',
      'relay_sse_clients',
      'relay_sse_replayed_events_total',
    ]) {
      assert.match(beforeText, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), `${name} is exposed`);
    }
    const appendedBefore =
      metricValue(beforeText, 'relay_events_appended_total', { domain: 'Config', source: 'api' }) ?? 0;
    const clientsBefore = metricValue(beforeText, 'relay_sse_clients') ?? 0;
    const replayedBefore = metricValue(beforeText, 'relay_sse_replayed_events_total') ?? 0;

    const published = await publish(relay, { events: [1, 2, 3].map((i) => configEvent(`m:${i}`)) });
    const sse = await listen(relay, '/api/events?patterns=m:*', {
      headers: { 'Last-Event-Id': String(published[0]?._id) },
    });
    open.push(sse);
    await sse.waitFor((c) => c.events().length >= 2);

    const text = await (await fetch(`${relay.baseUrl}/metrics`)).text();
    assert.equal(
      metricValue(text, 'relay_events_appended_total', { domain: 'Config', source: 'api' }),
      appendedBefore + 3,
    );
    assert.equal(metricValue(text, 'relay_sse_clients'), clientsBefore + 1);
    assert.equal(metricValue(text, 'relay_sse_replayed_events_total'), replayedBefore + 2);
    sse.close();
    await eventually(
      async () => (await readMetric(relay, 'relay_sse_clients')) === clientsBefore,
      'the closed listener is counted out',
    );
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    await expectError(await fetch(`${relay.baseUrl}/nope`), 404, 'RELAY_ERR_NOT_FOUND');
    await expectError(await relay.request('/api/nothing-here'), 404, 'RELAY_ERR_NOT_FOUND');
  });

  it('answers 405 with a JSON error for a wrong method on a known route', async () => {
    await expectError(
      await relay.request('/api/events', { method: 'DELETE' }),
      405,
      'RELAY_ERR_METHOD_NOT_ALLOWED',
    );
    await expectError(
      await fetch(`${relay.baseUrl}/health`, { method: 'POST' }),
      405,
      'RELAY_ERR_METHOD_NOT_ALLOWED',
    );
    await expectError(
      await relay.request('/api/apikeys/test-admin', { method: 'PATCH', json: {} }),
      405,
      'RELAY_ERR_METHOD_NOT_ALLOWED',
    );
  });

  it('through a Redis outage: /ready 503, publishes 503 at once, then all back with no acknowledged event lost', async () => {
    const live = await listen(relay, '/api/events?patterns=outage:*');
    open.push(live);
    const acknowledged: RelayEvent[] = await publish(relay, {
      events: [1, 2, 3].map((i) => configEvent(`outage:before:${i}`)),
    });
    await live.waitFor((c) => c.events().length >= 3);

    await redis.kill();
    try {
      await eventually(
        async () => (await fetch(`${relay.baseUrl}/ready`)).status === 503,
        '/ready answers 503 while Redis is down',
      );
      const ready = await fetch(`${relay.baseUrl}/ready`);
      await expectError(ready, 503, 'RELAY_ERR_REDIS_UNAVAILABLE');
      assert.equal((await fetch(`${relay.baseUrl}/health`)).status, 200, '/health still answers');
      // A publish fails fast: the 4 s deadline is well under the Redis command timeout (5 s), so a publish
      // waiting on Redis instead of failing at once would abort here.
      const res = await relay.request('/api/events', {
        method: 'POST',
        json: configEvent('outage:during'),
        signal: AbortSignal.timeout(4000),
      });
      const body = await expectError(res, 503, 'RELAY_ERR_REDIS_UNAVAILABLE');
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(JSON.stringify(body).includes('ECONNREFUSED'), false, 'no internal detail leaks');
      // A listener reconnecting meanwhile is still admitted, its key having been read before: a browser
      // EventSource that got a non-200 would give up for good.
      open.push(await listen(relay, '/api/events?patterns=outage:*'));
      // A key this relay never read cannot be checked: 503, not 401.
      const unknown = await openSse(
        `${relay.baseUrl}/api/events`,
        keyHeaders({ clientId: 'never-read', clientSecret: 'x'.repeat(24) }),
      );
      unknown.close();
      assert.equal(unknown.status, 503);
    } finally {
      await redis.start();
    }

    await eventually(
      async () => (await fetch(`${relay.baseUrl}/ready`)).status === 200,
      '/ready answers 200 once Redis is back',
      30_000,
      100,
    );
    // nothing acknowledged was lost (AOF), nothing refused was written
    const entries = await streamEntries(redis, relay);
    const stored = new Set(entries.map(([id]) => id));
    for (const e of acknowledged) assert.ok(stored.has(`${Math.floor(e._id / 1000)}-${e._id % 1000}`));
    assert.equal(
      entries.some(([, fields]) => fields.includes('outage:during')),
      false,
    );
    // publishing works again, and the listener connected through the outage receives it
    let after: RelayEvent[] = [];
    await eventually(
      async () => {
        const res = await relay.request('/api/events', { method: 'POST', json: configEvent('outage:after') });
        if (res.status === 201) after = ((await res.json()) as { events: RelayEvent[] }).events;
        else assert.equal(res.status, 503, `while reconnecting only 503 is acceptable: ${await res.text()}`);
        return res.status === 201;
      },
      'a publish succeeds after Redis is back',
      30_000,
      100,
    );
    assert.ok((after[0] as RelayEvent)._id > (acknowledged[2] as RelayEvent)._id, 'ids keep increasing');
    // the tail reader resumed from where it was: the listener gets the new event, and nothing twice
    await live.waitFor((c) => c.events().some((e) => e.key === 'outage:after'), 30_000);
    const admittedDuringOutage = open[open.length - 1] as SseConnection;
    await admittedDuringOutage.waitFor((c) => c.events().some((e) => e.key === 'outage:after'), 30_000);
    assert.deepEqual(
      live.events().map((e) => e._id),
      [...acknowledged, ...after].map((e) => e._id),
    );
  });

  it('ends open SSE streams when the relay stops (SIGTERM path), so clients reconnect elsewhere', async () => {
    const other = await startTestRelay(redis.url);
    const sse = await listen(other, '/api/events').catch(async (err: Error) => {
      await other.stop();
      throw err;
    });
    try {
      await other.stop();
      await sse.ended;
      assert.equal(sse.status, 200);
    } finally {
      sse.close();
      await other.stop();
    }
  });
});
