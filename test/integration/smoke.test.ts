import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayForSuite } from '../helpers/relay-suite.js';
import { openSse } from '../helpers/sse-client.js';
import { keyHeaders } from '../helpers/test-relay.js';

describe('publish then listen', () => {
  const suite = relayForSuite();

  it('a live listener receives a published event as one SSE frame with its _id', async () => {
    const sse = await openSse(
      `${suite.relay.baseUrl}/api/events?domains=Config`,
      keyHeaders(suite.relay.admin),
    );
    assert.equal(sse.status, 200);
    const res = await suite.relay.request('/api/events', {
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
