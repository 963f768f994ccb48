import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutChunk } from '../../src/sse/fanout-chunk.js';
import { eventFrame } from '../../src/sse/frame.js';

// The hub writes a batch of frames to each listener's socket as one ready-made HTTP/1.1 chunk: exactly what
// Node's own chunked encoding of `res.write(data)` puts on the wire.
describe('FanoutChunk', () => {
  it('frames the bytes as one chunk: size in hex, CRLF, the bytes, CRLF', () => {
    const data = Buffer.from(eventFrame(1764000000000001, '{"_id":1764000000000001,"key":"é"}'));
    const chunk = new FanoutChunk(data);
    assert.equal(chunk.data, data);
    const expected = Buffer.concat([
      Buffer.from(`${data.length.toString(16)}\r\n`),
      data,
      Buffer.from('\r\n'),
    ]);
    assert.deepEqual(chunk.chunked, expected);
  });

  it('counts bytes, not characters, and builds the chunk once', () => {
    const data = Buffer.from('data: ✓\n\n'); // ✓ is 3 bytes: 11 in all
    const chunk = new FanoutChunk(data);
    assert.equal(chunk.chunked.toString('latin1', 0, 3), 'b\r\n');
    assert.equal(chunk.chunked.length, 3 + 11 + 2);
    assert.equal(chunk.chunked, chunk.chunked);
  });

  it('sizes of 16 bytes and more are written in hex', () => {
    const data = Buffer.alloc(300, 0x61);
    assert.equal(new FanoutChunk(data).chunked.toString('latin1', 0, 5), '12c\r\n');
  });
});
