import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { openSse } from '../helpers/sse-client.js';
import { keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

describe('publish then listen', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
  });
  after(async () => {
    await relay.stop();
    await redis.stop();
  });

  it('a live listener receives a published event as one SSE frame with its _id', async () => {
    const sse = await openSse(`${relay.baseUrl}/api/events?domains=Config`, keyHeaders(relay.admin));
    assert.equal(sse.status, 200);
    const res = await relay.request('/api/events', {
      method: 'POST',
      json: { type: 'CONFIG_CREATED', key: 'a:b', payload: { id: 'a:b', value: '1' } },
    });
    assert.equal(res.status, 201);
    const { events } = (await res.json()) as { events: { _id: number }[] };
    await sse.waitFor((c) => c.events().length === 1);
    assert.equal(sse.frames[0]?.id, String(events[0]?._id));
    assert.deepEqual(sse.events()[0], events[0]);
    sse.close();
  });
});
