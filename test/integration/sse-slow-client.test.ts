import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, listen, publish, type RelayEvent, readMetric } from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

/**
 * A listener that reads the response headers, then stops reading its socket: what the relay writes piles up in
 * the kernel buffers, then in the relay's own.
 */
async function stalledListener(
  relay: TestRelay,
  path: string,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { port } = new URL(relay.baseUrl);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined); // a reset is one way the relay may cut it; `closed` is what is checked
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const headers = Object.entries(keyHeaders(relay.admin))
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${headers}\r\n`);
  const head = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        socket.pause();
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
  assert.match(head, /^HTTP\/1\.1 200 /);
  return { socket, closed };
}

describe('slow SSE clients (SSE_MAX_BUFFERED_BYTES=16384)', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let normal: SseConnection;
  let stalled: { socket: Socket; closed: Promise<void> };
  const published: RelayEvent[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { SSE_MAX_BUFFERED_BYTES: '16384' });
  });
  after(async () => {
    normal?.close();
    stalled?.socket.destroy();
    await relay.stop();
    await redis.stop();
  });

  it('cuts a client that stops reading, while a client that reads receives every large event', async () => {
    normal = await listen(relay, '/api/events?patterns=big:*');
    stalled = await stalledListener(relay, '/api/events?patterns=big:*');
    assert.equal(await readMetric(relay, 'relay_sse_clients'), 2);
    const payload = 'x'.repeat(256 * 1024); // each event is 16 times the cap
    let cut = false;
    // Publish one large event at a time (the reading client takes each) until the relay cuts the other
    // one; the kernel's socket buffers absorb some megabytes first. 400 events (100 MiB) is the deadline.
    for (let i = 0; i < 400 && !cut; i++) {
      const [event] = await publish(relay, {
        type: 'CONFIG_UPDATED',
        key: `big:${i}`,
        payload: { i, payload },
      });
      published.push(event as RelayEvent);
      await normal.waitFor((c) => c.frames.length >= published.length, 30_000);
      cut = (await readMetric(relay, 'relay_sse_disconnects_total', { reason: 'slow' })) >= 1;
    }
    assert.ok(cut, 'the relay disconnected the stalled client as slow');
    assert.equal(
      await readMetric(relay, 'relay_sse_disconnects_total', { reason: 'slow' }),
      1,
      'only one was cut',
    );
    assert.equal(await readMetric(relay, 'relay_sse_clients'), 1);
    // the stalled socket is closed by the relay: once it reads again it reaches the end of the stream
    stalled.socket.resume();
    await stalled.closed;
    // the reading client got every event, in order, intact
    const received = normal.events();
    assert.deepEqual(
      received.map((e) => e._id),
      published.map((e) => e._id),
    );
    assert.ok(
      received.every(
        (e, i) =>
          (e.payload as { i: number; payload: string }).payload === payload &&
          (e.payload as { i: number }).i === i,
      ),
    );
    assert.equal(normal.frames.length, published.length);
  });

  it('keeps serving after: the reading client gets new events, and the cut client resumes with Last-Event-Id', async () => {
    const [next] = await publish(relay, {
      type: 'CONFIG_UPDATED',
      key: 'big:after',
      payload: { small: true },
    });
    await normal.waitFor((c) => c.events().some((e) => e._id === next?._id));
    const resumed = await listen(relay, '/api/events?patterns=big:*', {
      headers: { 'Last-Event-Id': String(published[0]?._id) },
    });
    try {
      await resumed.waitFor((c) => c.events().some((e) => e._id === next?._id), 30_000);
      assert.deepEqual(
        resumed.events().map((e) => e._id),
        [...published.slice(1), next as RelayEvent].map((e) => e._id),
      );
    } finally {
      resumed.close();
    }
    await eventually(
      async () => (await readMetric(relay, 'relay_sse_clients')) === 1,
      'the resumed client counted out',
    );
    const ready = await fetch(`${relay.baseUrl}/ready`);
    assert.equal(ready.status, 200);
  });
});
