import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePublicId } from '../../src/events/event-id.js';
import { commentFrame, eventFrame, KEEP_ALIVE_FRAME, namedFrame } from '../../src/sse/frame.js';
import { parseAsBrowser } from '../helpers/browser-sse.js';

// CONTRACT.md, Listening: each event is `id: <_id>\ndata: <event JSON on one line>\n\n`; `: keep-alive`
// comments; `event: reset` with `data: {"requested", "earliest"}`.

const EVENT = {
  _id: 1764000000000001,
  type: 'CONFIG_UPDATED',
  key: 'demo:title',
  domain: 'Config',
  payload: { id: 'demo:title', value: '{"title": "Changed title"}' },
  oldValue: { id: 'demo:title', value: '{"title": "Title"}' },
  authInfo: null,
  timestamp: '2026-11-24T11:01:00.469',
};

describe('eventFrame', () => {
  it('writes `id: <_id>`, one `data:` line with the JSON, and a blank line', () => {
    const json = JSON.stringify(EVENT);
    assert.equal(eventFrame(EVENT._id, json), `id: ${EVENT._id}\ndata: ${json}\n\n`);
  });

  it('is one event to a browser, with the _id as its last event id and the JSON as its data', () => {
    const json = JSON.stringify(EVENT);
    const { events, lastEventId } = parseAsBrowser(eventFrame(EVENT._id, json));
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'message');
    assert.equal(events[0]?.data, json);
    assert.deepEqual(JSON.parse(events[0]?.data as string), EVENT);
    assert.equal(lastEventId, String(EVENT._id));
  });

  it("the browser's Last-Event-Id on reconnect is an id the relay accepts back", () => {
    const { lastEventId } = parseAsBrowser(eventFrame(EVENT._id, JSON.stringify(EVENT)));
    assert.equal(parsePublicId(lastEventId), EVENT._id);
  });

  const hostile = [
    'line\nbreak',
    'carriage\rreturn',
    'crlf\r\nend',
    'blank line\n\nafter',
    '\r\n\r\n',
    'x\n\nid: 666\nevent: reset\ndata: {"forged":true}\n\n',
    'x\rdata: injected',
    'data: at start',
    ': not a comment',
    ' leading space',
    'trailing\n',
    'nul \u0000 char',
    'separators \u2028 \u2029 \u0085',
    'unicode é 漢字 🙂',
  ];
  for (const text of hostile) {
    it(`a payload holding ${JSON.stringify(text)} stays one event and round-trips`, () => {
      const event = { ...EVENT, key: text, payload: { id: text, value: text, [text]: text } };
      const json = JSON.stringify(event);
      const frame = eventFrame(EVENT._id, json);
      assert.ok(frame.endsWith('\n\n'));
      assert.equal(frame.split('\n').length, 4, 'id line, data line, blank line');
      const { events, lastEventId } = parseAsBrowser(frame);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, 'message');
      assert.deepEqual(JSON.parse(events[0]?.data as string), event);
      assert.equal(lastEventId, String(EVENT._id));
    });
  }

  it('text that is not one line of JSON still cannot end the frame early or add a field', () => {
    const text = 'first\n\nid: 666\nevent: reset\r\ndata: forged\rlast';
    const frame = eventFrame(42, text);
    const { events, lastEventId } = parseAsBrowser(frame);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'message');
    assert.equal(lastEventId, '42');
    // SSE cannot carry CR: every line break arrives as LF, and nothing else changes
    assert.equal(events[0]?.data, text.replace(/\r\n|\r/g, '\n'));
  });

  for (const [name, text] of [
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['CRLF', 'a\r\nb'],
    ['mixed', 'a\r\n\rb\n\nc'],
  ] as const) {
    it(`raw ${name} line breaks arrive as LF line breaks`, () => {
      const { events } = parseAsBrowser(eventFrame(7, text));
      assert.equal(events.length, 1);
      assert.equal(events[0]?.data, text.replace(/\r\n|\r/g, '\n'));
    });
  }

  it('consecutive frames are consecutive events, in order', () => {
    const ids = [1764000000000001, 1764000000000002, 1764000000001000];
    const stream = ids.map((id) => eventFrame(id, JSON.stringify({ ...EVENT, _id: id }))).join('');
    const { events, lastEventId } = parseAsBrowser(stream);
    assert.deepEqual(
      events.map((e) => (JSON.parse(e.data) as { _id: number })._id),
      ids,
    );
    assert.deepEqual(
      events.map((e) => e.lastEventId),
      ids.map(String),
    );
    assert.equal(lastEventId, String(ids[2]));
  });

  it('a frame cut short is not an event (the browser waits for the blank line)', () => {
    const frame = eventFrame(5, JSON.stringify(EVENT));
    assert.equal(parseAsBrowser(frame.slice(0, -1)).events.length, 0);
  });
});

describe('namedFrame', () => {
  it('`event: reset` carries the requested and earliest ids', () => {
    const data = JSON.stringify({ requested: 1000, earliest: 5000 });
    const frame = namedFrame('reset', data);
    assert.equal(frame, `event: reset\ndata: ${data}\n\n`);
    const { events } = parseAsBrowser(frame);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'reset');
    assert.deepEqual(JSON.parse(events[0]?.data as string), { requested: 1000, earliest: 5000 });
  });

  it('a reset frame without an id does not move the last event id', () => {
    const stream =
      eventFrame(1000, JSON.stringify(EVENT)) +
      namedFrame('reset', JSON.stringify({ requested: 1000, earliest: 5000 })) +
      eventFrame(5000, JSON.stringify(EVENT));
    const { events } = parseAsBrowser(stream);
    assert.deepEqual(
      events.map((e) => [e.type, e.lastEventId]),
      [
        ['message', '1000'],
        ['reset', '1000'],
        ['message', '5000'],
      ],
    );
  });

  it('with an id, writes the event name, then the id, then the data', () => {
    assert.equal(namedFrame('ping', 'x', 9), 'event: ping\nid: 9\ndata: x\n\n');
    const { events, lastEventId } = parseAsBrowser(namedFrame('ping', 'x', 9));
    assert.deepEqual(events, [{ type: 'ping', data: 'x', lastEventId: '9' }]);
    assert.equal(lastEventId, '9');
  });

  it('without an event name, is a plain message', () => {
    assert.equal(namedFrame(undefined, 'x'), 'data: x\n\n');
    assert.equal(parseAsBrowser(namedFrame(undefined, 'x')).events[0]?.type, 'message');
  });

  it('an event name with line breaks cannot inject a field', () => {
    const frame = namedFrame('reset\ndata: forged\n\nid: 1', 'real');
    const { events, lastEventId } = parseAsBrowser(frame);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data, 'real');
    assert.equal(lastEventId, '');
    assert.ok(!events[0]?.type.includes('\n'));
  });

  it('multi-line data becomes one `data:` line per line, joined again by the browser', () => {
    assert.equal(namedFrame('x', 'a\nb\r\nc\rd'), 'event: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n');
    assert.equal(parseAsBrowser(namedFrame('x', 'a\nb\nc')).events[0]?.data, 'a\nb\nc');
  });

  it('keeps leading spaces and empty lines of the data', () => {
    assert.equal(parseAsBrowser(namedFrame('x', '  two spaces')).events[0]?.data, '  two spaces');
    assert.equal(parseAsBrowser(namedFrame('x', 'a\n\nb')).events[0]?.data, 'a\n\nb');
    assert.equal(parseAsBrowser(namedFrame('x', '\n')).events[0]?.data, '\n');
  });

  it('empty data is still dispatched as an event with empty data', () => {
    const { events } = parseAsBrowser(namedFrame('reset', ''));
    assert.deepEqual(events, [{ type: 'reset', data: '', lastEventId: '' }]);
  });
});

describe('comment frames', () => {
  it('the keep-alive is the comment `: keep-alive`', () => {
    assert.equal(KEEP_ALIVE_FRAME, ': keep-alive\n\n');
    assert.equal(commentFrame('keep-alive'), KEEP_ALIVE_FRAME);
  });

  it('is no event and leaves the last event id alone', () => {
    const stream = eventFrame(77, JSON.stringify(EVENT)) + KEEP_ALIVE_FRAME + KEEP_ALIVE_FRAME;
    const { events, lastEventId } = parseAsBrowser(stream);
    assert.equal(events.length, 1);
    assert.equal(lastEventId, '77');
  });

  it('a comment with line breaks stays one comment line', () => {
    const frame = commentFrame('hello\ndata: forged\r\n\nid: 1\rmore');
    assert.equal(frame.split(/\r\n|\r|\n/).length, 3, 'one comment line, a blank line, and nothing after');
    assert.ok(frame.startsWith(': '));
    const { events, lastEventId } = parseAsBrowser(frame);
    assert.equal(events.length, 0);
    assert.equal(lastEventId, '');
  });

  it('between the id and the data of a split stream, does not disturb the next event', () => {
    const stream = commentFrame('x') + eventFrame(3, '{"a":1}') + commentFrame('y');
    const { events } = parseAsBrowser(stream);
    assert.deepEqual(events, [{ type: 'message', data: '{"a":1}', lastEventId: '3' }]);
  });
});
