import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import {
  configEvent,
  listen,
  publish,
  type RelayEvent,
  readMetric,
  streamEntries,
  streamLength,
} from '../helpers/relay-checks.js';
import type { SseConnection } from '../helpers/sse-client.js';
import { startTestRelay, type TestRelay } from '../helpers/test-relay.js';

const ids = (events: readonly { _id: number }[]) => events.map((e) => e._id);
const keys = (c: SseConnection) => c.events().map((e) => e.key);

describe('GET /api/events (server-sent events)', () => {
  let redis: TestRedis;
  let relay: TestRelay;
  /** A relay on its own prefix that keeps at most 1000 events. */
  let trimming: TestRelay;
  const open: SseConnection[] = [];
  const track = (sse: SseConnection) => {
    open.push(sse);
    return sse;
  };
  const on = (path: string, headers: Record<string, string> = {}) =>
    listen(relay, path, { headers }).then(track);

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { SSE_HEARTBEAT_MS: '200' });
    trimming = await startTestRelay(redis.url, { EVENTS_MAX_LENGTH: '1000' });
  });
  after(async () => {
    for (const sse of open) sse.close();
    await trimming.stop();
    await relay.stop();
    await redis.stop();
  });

  it('answers 200 text/event-stream, X-Accel-Buffering: no, Cache-Control: no-cache', async () => {
    const sse = await on('/api/events');
    assert.equal(sse.status, 200);
    assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
    assert.equal(sse.headers['x-accel-buffering'], 'no');
    assert.match(String(sse.headers['cache-control']), /(^|,\s*)no-cache(,|$)/);
  });

  it('writes each event as exactly `id: <_id>\\ndata: <event JSON on one line>\\n\\n`', async () => {
    const sse = await on('/api/events?patterns=fmt:*');
    const [event] = (await publish(relay, {
      type: 'CONFIG_UPDATED',
      key: 'fmt:a',
      payload: { id: 'fmt:a', value: 'line one\nline two\r\n"quoted"' },
      oldValue: { id: 'fmt:a', value: 'before' },
    })) as [RelayEvent];
    await sse.waitFor((c) => c.events().length === 1);
    const withoutComments = sse.body().replace(/^: keep-alive\n\n/gm, '');
    assert.equal(withoutComments, `id: ${event._id}\ndata: ${JSON.stringify(event)}\n\n`);
    assert.deepEqual(sse.frames, [{ event: undefined, id: String(event._id), data: JSON.stringify(event) }]);
  });

  it('sends only live events when no last event id is given', async () => {
    await publish(relay, configEvent('live:before'));
    const sse = await on('/api/events?patterns=live:*');
    await publish(relay, configEvent('live:after'));
    await sse.waitFor((c) => c.events().length >= 1);
    assert.deepEqual(keys(sse), ['live:after']);
  });

  const catalogue = (tag: string) => ({
    events: [
      { type: 'CONFIG_CREATED', key: `${tag}:config`, payload: {} },
      { type: 'FEATURE_CREATED', key: `${tag}:feature`, payload: {} },
      { type: 'USER_CREATED', key: `${tag}:user`, payload: {} },
      { type: 'GLOBALSCRIPT_CREATED', key: `${tag}:script`, payload: {} },
      { type: 'CONFIG_DELETED', key: `${tag}:config`, payload: {} },
      { type: 'FEATURE_DELETED', key: `${tag}:feature`, payload: {} },
      { type: 'VARIANT_BINDING_CREATED', key: `${tag}:binding`, payload: {} },
    ],
  });
  /** Publishes the catalogue commit then a sentinel every listener below lets through; waits for it. */
  const publishAndSettle = async (tag: string, listeners: SseConnection[]) => {
    await publish(relay, catalogue(tag));
    await publish(relay, { type: 'FEATURE_DELETED', key: `${tag}:zz-end`, payload: {} });
    for (const sse of listeners) await sse.waitFor((c) => keys(c).includes(`${tag}:zz-end`));
  };

  it('filters by domains (comma-separated, case as in Izanami)', async () => {
    const sse = await on('/api/events?domains=Config,Feature&patterns=dom:*');
    await publishAndSettle('dom', [sse]);
    assert.deepEqual(keys(sse), ['dom:config', 'dom:feature', 'dom:config', 'dom:feature', 'dom:zz-end']);
    assert.ok(sse.events().every((e) => e.domain === 'Config' || e.domain === 'Feature'));
  });

  it('filters by the domain of the path: /api/events/{domain}', async () => {
    const feature = await on('/api/events/Feature?patterns=path:*');
    const experiment = await on('/api/events/Experiment?patterns=path:*');
    const sentinel = await on('/api/events?patterns=path:*');
    await publishAndSettle('path', [feature, sentinel]);
    assert.deepEqual(keys(feature), ['path:feature', 'path:feature', 'path:zz-end']);
    assert.deepEqual(keys(experiment), ['path:binding']);
  });

  it('filters by patterns, and accepts `pattern` as an alias', async () => {
    const plural = await on('/api/events?patterns=pat:f*');
    const alias = await on('/api/events?pattern=pat:f*');
    const sentinel = await on('/api/events?patterns=pat:*');
    await publishAndSettle('pat', [sentinel]);
    // the sentinel `pat:zz-end` does not match pat:f*; the feature events came before it
    for (const sse of [plural, alias]) {
      await sse.waitFor((c) => c.events().length >= 2);
      assert.deepEqual(keys(sse), ['pat:feature', 'pat:feature']);
    }
    assert.equal(sentinel.events().length, 8);
  });

  it('ORs comma-separated patterns', async () => {
    const sse = await on('/api/events?patterns=or:user,or:s*,or:zz-*');
    await publishAndSettle('or', [sse]);
    assert.deepEqual(keys(sse), ['or:user', 'or:script', 'or:zz-end']);
  });

  it('matches globs: `*` across `:` and `/`, anchored, other characters literal', async () => {
    const sse = await on('/api/events?patterns=glob:*:end,glob.x,glob:(a)');
    await publish(relay, {
      events: [
        configEvent('glob:a/b:c:end'), // * spans : and /
        configEvent('glob:a:end:more'), // anchored at the end
        configEvent('xglob:a:end'), // anchored at the start
        configEvent('globXx'), // `.` is literal
        configEvent('glob.x'),
        configEvent('glob:(a)'), // parentheses are literal
        configEvent('glob:a'),
        configEvent('glob:zz:end'),
      ],
    });
    await sse.waitFor((c) => keys(c).includes('glob:zz:end'));
    assert.deepEqual(keys(sse), ['glob:a/b:c:end', 'glob.x', 'glob:(a)', 'glob:zz:end']);
  });

  it('filters by types', async () => {
    const sse = await on('/api/events?types=CONFIG_DELETED,FEATURE_DELETED&patterns=typ:*');
    await publishAndSettle('typ', [sse]);
    assert.deepEqual(
      sse.events().map((e) => e.type),
      ['CONFIG_DELETED', 'FEATURE_DELETED', 'FEATURE_DELETED'],
    );
  });

  it('combines domains, types and patterns (all must match)', async () => {
    const sse = await on('/api/events?domains=Feature&types=FEATURE_DELETED&patterns=all:feature,all:zz-*');
    await publishAndSettle('all', [sse]);
    assert.deepEqual(keys(sse), ['all:feature', 'all:zz-end']);
  });

  it('sends a `: keep-alive` comment every SSE_HEARTBEAT_MS', async () => {
    const sse = await on('/api/events?patterns=nothing-ever');
    await sse.waitFor((c) => c.comments.filter((x) => x === 'keep-alive').length >= 3);
    assert.deepEqual(sse.frames, [], 'comments are not events');
    assert.match(sse.body(), /^(: keep-alive\n\n)+$/);
  });

  it('replays from the Last-Event-Id header, then goes live', async () => {
    const published = await publish(relay, { events: [1, 2, 3].map((i) => configEvent(`rh:${i}`)) });
    const sse = await on('/api/events?patterns=rh:*', { 'Last-Event-Id': String(published[0]?._id) });
    await sse.waitFor((c) => c.events().length >= 2);
    const [live] = await publish(relay, configEvent('rh:4'));
    await sse.waitFor((c) => c.events().length >= 3);
    assert.deepEqual(ids(sse.events()), [published[1]?._id, published[2]?._id, live?._id]);
    assert.deepEqual(
      sse.frames.map((f) => f.id),
      ids(sse.events()).map(String),
    );
  });

  it('replays from the lastEventId query parameter', async () => {
    const published = await publish(relay, { events: [1, 2, 3].map((i) => configEvent(`rq:${i}`)) });
    const sse = await on(`/api/events?patterns=rq:*&lastEventId=${published[0]?._id}`);
    await sse.waitFor((c) => c.events().length >= 2);
    assert.deepEqual(ids(sse.events()), ids(published.slice(1)));
  });

  it('prefers the Last-Event-Id header to the lastEventId query parameter', async () => {
    const published = await publish(relay, { events: [1, 2, 3].map((i) => configEvent(`rw:${i}`)) });
    const sse = await on(`/api/events?patterns=rw:*&lastEventId=${published[0]?._id}`, {
      'Last-Event-Id': String(published[1]?._id),
    });
    await sse.waitFor((c) => c.events().length >= 1);
    const [live] = await publish(relay, configEvent('rw:4'));
    await sse.waitFor((c) => c.events().length >= 2);
    assert.deepEqual(ids(sse.events()), [published[2]?._id, live?._id]);
  });

  it('replays everything retained from Last-Event-Id: 0', async () => {
    const length = await streamLength(redis, relay);
    const stored = (await streamEntries(redis, relay)).map(([id]) => {
      const [ms, seq] = id.split('-').map(Number) as [number, number];
      return ms * 1000 + seq;
    });
    const sse = await on('/api/events', { 'Last-Event-Id': '0' });
    await sse.waitFor((c) => c.events().length >= length);
    assert.ok(length > 20, 'there is history to replay');
    assert.deepEqual(ids(sse.events()), stored);
    assert.equal(
      sse.frames.some((f) => f.event === 'reset'),
      false,
      'no reset when nothing was ever trimmed',
    );
  });

  it('hands over from replay to live with no gap and no duplicate, across 20 reconnects under publishing', async () => {
    const [start] = await publish(relay, configEvent('race:start'));
    const published: number[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        const events = await publish(
          relay,
          i % 5 === 4
            ? { events: [configEvent(`race:${i}:a`), configEvent(`race:${i}:b`), configEvent(`race:${i}:c`)] }
            : configEvent(`race:${i}`),
        );
        published.push(...ids(events));
      }
    })();
    const received: number[] = [];
    let last = start?._id as number;
    try {
      for (let round = 0; round < 20; round++) {
        const sse = await on('/api/events?patterns=race:*', { 'Last-Event-Id': String(last) });
        await sse.waitFor((c) => c.events().length >= 1 + (round % 4));
        sse.close();
        const got = ids(sse.events());
        received.push(...got);
        last = got[got.length - 1] as number;
      }
    } finally {
      publishing = false;
      await publisher;
    }
    const newest = published[published.length - 1] as number;
    if (last !== newest) {
      const tail = await on('/api/events?patterns=race:*', { 'Last-Event-Id': String(last) });
      await tail.waitFor((c) => c.events().some((e) => e._id === newest));
      received.push(...ids(tail.events()));
    }
    assert.ok(published.length >= 20);
    assert.deepEqual(received, published);
  });

  it('counts replayed events in relay_sse_replayed_events_total', async () => {
    const before = await readMetric(relay, 'relay_sse_replayed_events_total');
    const published = await publish(relay, { events: [1, 2, 3, 4].map((i) => configEvent(`rm:${i}`)) });
    const sse = await on('/api/events?patterns=rm:*', { 'Last-Event-Id': String(published[0]?._id) });
    await sse.waitFor((c) => c.events().length >= 3);
    assert.equal(await readMetric(relay, 'relay_sse_replayed_events_total'), before + 3);
  });

  it('keeps the same number of Redis connections whatever the number of listeners', async () => {
    const relayConnections = async () =>
      String(await redis.client.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => /\bname=relay:/.test(line)).length;
    const before = await relayConnections();
    assert.ok(before > 0, 'the relay names its connections');
    const [first] = await publish(relay, configEvent('conn:0'));
    const listeners = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        on(`/api/events?patterns=conn:*${i % 4 === 0 ? '' : `&domains=Config`}`, {
          ...(i % 2 === 0 ? { 'Last-Event-Id': String(first?._id) } : {}),
        }),
      ),
    );
    const [event] = await publish(relay, configEvent('conn:1'));
    for (const sse of listeners) await sse.waitFor((c) => c.events().some((e) => e._id === event?._id));
    assert.equal(await relayConnections(), before);
    for (const sse of listeners) sse.close();
  });

  describe('trimmed history (EVENTS_MAX_LENGTH=1000)', () => {
    const commits: RelayEvent[][] = [];
    const onTrimming = (lastEventId: string) =>
      listen(trimming, '/api/events?patterns=tr:*', { headers: { 'Last-Event-Id': lastEventId } }).then(
        track,
      );

    before(async () => {
      for (const c of ['a', 'b', 'c']) {
        commits.push(
          await publish(trimming, {
            events: Array.from({ length: 600 }, (_, i) => configEvent(`tr:${c}:${i}`)),
          }),
        );
      }
    });

    const a = (n: number) => commits[0]?.[n] as RelayEvent;
    const b = (n: number) => commits[1]?.[n] as RelayEvent;
    /** Retained: the newest 1000 events, b[200..599] and c[0..599]; b[199] is the newest trimmed. */
    const retained = () => [...(commits[1] ?? []).slice(200), ...(commits[2] ?? [])];

    it('keeps at most EVENTS_MAX_LENGTH events', async () => {
      assert.equal(await streamLength(redis, trimming), 1000);
      const [oldest] = await streamEntries(redis, trimming);
      const [ms, seq] = (oldest?.[0] ?? '').split('-').map(Number) as [number, number];
      assert.equal(ms * 1000 + seq, b(200)._id, 'the oldest retained event is the 1000th newest');
    });

    it('starts with `event: reset` {requested, earliest} for a trimmed id, then replays what is retained', async () => {
      const sse = await onTrimming(String(a(0)._id));
      await sse.waitFor((x) => x.events().length >= 1000);
      const [first] = sse.frames;
      assert.equal(first?.event, 'reset');
      assert.deepEqual(JSON.parse(first?.data ?? ''), { requested: a(0)._id, earliest: b(200)._id });
      assert.equal(sse.frames.filter((f) => f.event === 'reset').length, 1);
      assert.deepEqual(ids(sse.events()), ids(retained()));
    });

    it('sends a reset for the id just before the newest trimmed one', async () => {
      const sse = await onTrimming(String(b(198)._id));
      await sse.waitFor((x) => x.events().length >= 1000);
      assert.equal(sse.frames[0]?.event, 'reset');
      assert.deepEqual(JSON.parse(sse.frames[0]?.data ?? ''), {
        requested: b(198)._id,
        earliest: b(200)._id,
      });
      assert.deepEqual(ids(sse.events()), ids(retained()));
    });

    it('sends NO reset for an id equal to the newest trimmed id (nothing was missed)', async () => {
      const sse = await onTrimming(String(b(199)._id));
      await sse.waitFor((x) => x.events().length >= 1000);
      assert.equal(
        sse.frames.some((f) => f.event !== undefined),
        false,
      );
      assert.deepEqual(ids(sse.events()), ids(retained()));
    });

    it('sends a reset for Last-Event-Id: 0 once history was trimmed, then everything retained', async () => {
      const sse = await onTrimming('0');
      await sse.waitFor((x) => x.events().length >= 1000);
      assert.equal(sse.frames[0]?.event, 'reset');
      assert.deepEqual(JSON.parse(sse.frames[0]?.data ?? ''), { requested: 0, earliest: b(200)._id });
      assert.deepEqual(ids(sse.events()), ids(retained()));
    });
  });
});
