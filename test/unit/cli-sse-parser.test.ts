import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SseMessage, SseParser } from '../../src/cli/sse-parser.js';

function parseAll(chunks: string[]): { messages: SseMessage[]; parser: SseParser } {
  const parser = new SseParser();
  const messages = chunks.flatMap((c) => parser.push(c));
  return { messages, parser };
}

function ev(type: string, data: string, lastEventId: string): SseMessage {
  return { kind: 'event', type, data, lastEventId };
}

describe('SseParser', () => {
  it('parses the relay frame: id and one data line', () => {
    const { messages, parser } = parseAll(['id: 42\ndata: {"_id":42}\n\n']);
    assert.deepEqual(messages, [ev('message', '{"_id":42}', '42')]);
    assert.equal(parser.lastId, '42');
  });

  it('accepts CR, LF and CRLF line ends, mixed', () => {
    const { messages } = parseAll(['data: a\r\rdata: b\n\ndata: c\r\n\r\nid: 7\rdata: d\r\n\n']);
    assert.deepEqual(messages, [
      ev('message', 'a', ''),
      ev('message', 'b', ''),
      ev('message', 'c', ''),
      ev('message', 'd', '7'),
    ]);
  });

  it('treats a CR ending one chunk and an LF starting the next as one line end', () => {
    const { messages } = parseAll(['data: a\r', '\n\r', '\ndata: b\r', '\r']);
    assert.deepEqual(messages, [ev('message', 'a', ''), ev('message', 'b', '')]);
  });

  it('gives the same events whatever the chunking', () => {
    const stream =
      '\uFEFF: hi\r\nid: 1\r\ndata: x\r\ndata:y\r\n\r\nevent: reset\ndata: {"requested":0}\n\nid: 2\ndata: z\n\n';
    const whole = parseAll([stream]).messages;
    assert.equal(whole.length, 3);
    for (let size = 1; size <= 5; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      assert.deepEqual(parseAll(chunks).messages, whole, `chunks of ${size}`);
    }
  });

  it('joins data lines with LF and keeps an empty data line', () => {
    const { messages } = parseAll(['data: one\ndata\ndata:  two\n\n']);
    assert.deepEqual(messages, [ev('message', 'one\n\n two', '')]);
  });

  it('names the event type with `event` and resets it after dispatch', () => {
    const { messages } = parseAll(['event: reset\ndata: {}\n\ndata: next\n\n']);
    assert.deepEqual(messages, [ev('reset', '{}', ''), ev('message', 'next', '')]);
  });

  it('ignores comments, unknown fields and blocks without data', () => {
    const { messages } = parseAll([': keep-alive\n\nfoo: bar\n\nevent: x\n\n:c\ndata: d\n\n']);
    assert.deepEqual(messages, [ev('message', 'd', '')]);
  });

  it('keeps the last event id across events, and an id without data still counts', () => {
    const { messages, parser } = parseAll(['id: 5\ndata: a\n\ndata: b\n\nid: 9\n\n']);
    assert.deepEqual(messages, [ev('message', 'a', '5'), ev('message', 'b', '5')]);
    assert.equal(parser.lastId, '9');
  });

  it('ignores an id containing NUL and accepts an empty id (reset)', () => {
    const { parser } = parseAll(['id: 5\n\nid: 1\u00002\n\n']);
    assert.equal(parser.lastId, '5');
    parser.push('id\n\n');
    assert.equal(parser.lastId, '');
  });

  it('reports retry only for ASCII digits', () => {
    const { messages } = parseAll(['retry: 1500\nretry: 1.5\nretry: x\nretry\n\n']);
    assert.deepEqual(messages, [{ kind: 'retry', ms: 1500 }]);
  });

  it('does not dispatch an event left incomplete', () => {
    const { messages } = parseAll(['data: a\n', 'data: b']);
    assert.deepEqual(messages, []);
  });

  it('strips only one leading space and only a BOM at the very start', () => {
    const { messages } = parseAll(['\uFEFFdata:   a\n\n\uFEFFdata: b\n\n']);
    assert.deepEqual(messages, [ev('message', '  a', '')]);
  });
});

describe('SseParser last event id', () => {
  it('takes an id only when its block ends, as the standard says: an unfinished block does not move it', () => {
    const parser = new SseParser();
    parser.push('id: 1\ndata: a\n\nid: 2\ndata: b\n');
    assert.equal(parser.lastId, '1', 'the block with id 2 has not ended');
    parser.push('\n');
    assert.equal(parser.lastId, '2');
    parser.push('id: 3\n\n');
    assert.equal(parser.lastId, '3', 'a block without data still sets the last event id');
  });
});
