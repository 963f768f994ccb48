import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseIdScanner } from '../../scripts/bench/lib/sse-id-scanner.js';
import { FanoutChunk } from '../../src/sse/fanout-chunk.js';
import { commentFrame, eventFrame, KEEP_ALIVE_FRAME, namedFrame } from '../../src/sse/frame.js';

// The bench's SSE clients (scripts/bench/clients/fanout-sse.ts) count every frame with this scanner, reading
// all their sockets into one shared buffer: a frame it missed or invented would be reported as lost or
// unexpected, so it is checked here against the relay's own framing.

type Seen = ['head', number] | ['event', number] | ['named', string];

const JSON_BODY = JSON.stringify({
  _id: 1,
  type: 'CONFIG_UPDATED',
  key: 'a:b',
  payload: { v: 'x'.repeat(300) },
});
const FRAMES = [
  eventFrame(1764000000000001, JSON_BODY),
  KEEP_ALIVE_FRAME,
  eventFrame(1764000000000002, JSON_BODY),
  namedFrame('reset', JSON.stringify({ reason: 'history-lost' })),
  commentFrame('retry later'),
  eventFrame(1764000000000003, '{"short":1}'),
  namedFrame(undefined, 'two\nlines', 7),
];
const EXPECTED: Seen[] = [
  ['head', 200],
  ['event', 1764000000000001],
  ['event', 1764000000000002],
  ['named', 'reset'],
  ['event', 1764000000000003],
  ['event', 7],
];

function chunkedResponse(): Buffer {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
  const chunks = FRAMES.map((f) => new FanoutChunk(Buffer.from(f)).chunked);
  return Buffer.concat([Buffer.from(head, 'latin1'), ...chunks, Buffer.from('0\r\n\r\n', 'latin1')]);
}

function plainResponse(): Buffer {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), ...FRAMES.map((f) => Buffer.from(f))]);
}

function scanner(seen: Seen[]): SseIdScanner {
  return new SseIdScanner({
    onHead: (status) => seen.push(['head', status]),
    onEvent: (id) => seen.push(['event', id]),
    onNamed: (event) => seen.push(['named', event]),
  });
}

/**
 * Feeds `bytes` in pieces of the given sizes through one reused buffer, as a socket read with `onread` does:
 * after each push the buffer is overwritten, so a scanner that kept a reference to it would read garbage.
 */
function feed(bytes: Buffer, sizes: () => number): Seen[] {
  const seen: Seen[] = [];
  const s = scanner(seen);
  const shared = Buffer.alloc(bytes.length + 16);
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, Math.max(1, sizes()));
    bytes.copy(shared, 0, at, at + n);
    shared.fill(0x41, n); // bytes past `end` must be ignored
    s.push(shared, n);
    shared.fill(0x0a);
    at += n;
  }
  return seen;
}

/** A small deterministic generator, so a failing split can be reproduced. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
}

describe('SseIdScanner (bench clients)', () => {
  it('reports the status, each event id and each named frame of a chunked response read whole', () => {
    assert.deepEqual(
      feed(chunkedResponse(), () => Number.MAX_SAFE_INTEGER),
      EXPECTED,
    );
  });

  it('gives the same frames whatever the reads split, down to one byte at a time', () => {
    const bytes = chunkedResponse();
    assert.deepEqual(
      feed(bytes, () => 1),
      EXPECTED,
    );
    for (let seed = 1; seed <= 200; seed++) {
      const next = lcg(seed);
      assert.deepEqual(
        feed(bytes, () => (next() % 40) + 1),
        EXPECTED,
        `seed ${seed}`,
      );
    }
  });

  it('reads a body that is not chunked the same way', () => {
    const bytes = plainResponse();
    assert.deepEqual(
      feed(bytes, () => 1),
      EXPECTED,
    );
    const next = lcg(7);
    assert.deepEqual(
      feed(bytes, () => (next() % 64) + 1),
      EXPECTED,
    );
  });

  it('reports a status other than 200 and no frame before the head ends', () => {
    const seen: Seen[] = [];
    const s = scanner(seen);
    s.push(Buffer.from('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n', 'latin1'));
    assert.deepEqual(seen, []);
    s.push(Buffer.from('\r\n', 'latin1'));
    assert.deepEqual(seen, [['head', 401]]);
  });

  it('reads chunk sizes in either case of hex and with an extension', () => {
    const frame = Buffer.from(eventFrame(42, 'x'.repeat(200)));
    const size = frame.length.toString(16).toUpperCase();
    const bytes = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1'),
      Buffer.from(`${size};ext=1\r\n`, 'latin1'),
      frame,
      Buffer.from('\r\n0\r\n\r\n', 'latin1'),
    ]);
    assert.deepEqual(
      feed(bytes, () => 3),
      [
        ['head', 200],
        ['event', 42],
      ],
    );
  });
});
