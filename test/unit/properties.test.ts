import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EVENT_TYPES } from '../../src/events/catalogue.js';
import { compareStreamIds, parsePublicId, toPublicId, toStreamId } from '../../src/events/event-id.js';
import { compileGlobs, compilePatterns } from '../../src/events/glob.js';
import { commentFrame, eventFrame, namedFrame } from '../../src/sse/frame.js';
import { izanamiBody, tweekBody, type WireEvent } from '../../src/webhooks/payload.js';
import { parseAsBrowser } from '../helpers/browser-sse.js';

// Property-based tests (issue 5, Hostile input): id encoding and ordering, glob matching, SSE framing and
// delivery payload shaping. Every run is deterministic: the seed comes from FC_SEED (default below), and
// fast-check's failure report prints the seed and the shrink path that reproduce the counterexample.

const SEED = Number(process.env.FC_SEED ?? 20261124);
const RUNS = Number(process.env.FC_RUNS ?? 500);

function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, numRuns = RUNS): void {
  const details = fc.check(property, { seed: SEED, numRuns });
  if (details.failed) {
    // fast-check's own report names the counterexample, the error, the seed and the path.
    throw new Error(
      `property failed (seed ${SEED}, FC_SEED=${SEED} to replay)\n${fc.defaultReportMessage(details)}`,
    );
  }
}

/** The largest stream `ms` whose every `ms-seq` (seq ≤ 999) still maps to a safe `_id`. */
const MAX_MS = Math.floor((Number.MAX_SAFE_INTEGER - 999) / 1000);

describe('property: event ids', () => {
  it('toPublicId(toStreamId(n)) === n for every safe non-negative id', () => {
    check(
      fc.property(fc.maxSafeNat(), (n) => {
        const entry = toStreamId(n);
        assert.match(entry, /^\d+-\d{1,3}$/);
        assert.equal(toPublicId(entry), n);
      }),
    );
  });

  it('toStreamId(toPublicId(ms-seq)) === ms-seq for every seq ≤ 999', () => {
    check(
      fc.property(fc.integer({ min: 0, max: MAX_MS }), fc.integer({ min: 0, max: 999 }), (ms, seq) => {
        const entry = `${ms}-${seq}`;
        assert.equal(toPublicId(entry), ms * 1000 + seq);
        assert.equal(toStreamId(toPublicId(entry)), entry);
      }),
    );
  });

  it('the numeric order of _id is the order of the stream ids', () => {
    const streamId = fc
      .tuple(
        fc.oneof(
          fc.integer({ min: 0, max: MAX_MS }),
          fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_010 }),
        ),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(([ms, seq]) => `${ms}-${seq}`);
    check(
      fc.property(streamId, streamId, (a, b) => {
        const byStream = Math.sign(compareStreamIds(a, b));
        const byPublic = Math.sign(toPublicId(a) - toPublicId(b));
        assert.equal(byPublic, byStream, `${a} vs ${b}`);
        assert.equal(byStream === 0, a === b);
      }),
    );
  });

  it('parsePublicId accepts exactly the decimal safe integers', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 });
    const near = fc
      .bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) - 5n, max: BigInt(Number.MAX_SAFE_INTEGER) + 5n })
      .map(String);
    const tricky = fc.constantFrom(
      '',
      ' 1',
      '1 ',
      '+1',
      '-1',
      '1.0',
      '1e3',
      '0x10',
      '0b1',
      '0o7',
      'Infinity',
      'NaN',
      '1_000',
      '１２３', // fullwidth digits
      '١٢٣', // Arabic-Indic digits
      '1764000000000-1',
      '1764000000000001\n',
      '\t5',
    );
    const text = fc.oneof(
      fc.maxSafeNat().map(String),
      digits,
      near,
      tricky,
      fc.string({ unit: fc.constantFrom(...'0123456789 -+.eExX\n'), maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    check(
      fc.property(text, (s) => {
        const isDecimal = /^[0-9]+$/.test(s);
        const value = isDecimal ? BigInt(s) : undefined;
        const isSafe = value !== undefined && value <= BigInt(Number.MAX_SAFE_INTEGER);
        const parsed = parsePublicId(s);
        if (!isSafe) {
          assert.equal(parsed, undefined, `accepted ${JSON.stringify(s)}`);
          return;
        }
        // Every id the relay hands out is canonical (String(_id), at most 16 digits): those must be accepted.
        // A zero-padded form longer than 16 digits may be refused, but never read as another number.
        if (s.length <= 16) assert.equal(parsed, Number(value), `refused ${JSON.stringify(s)}`);
        else if (parsed !== undefined) assert.equal(parsed, Number(value));
      }),
    );
  });
});

/** The reference matcher: classic dynamic programming over glob × key, `*` any run, everything else literal. */
function referenceGlob(glob: string, key: string): boolean {
  // m[j] = glob[0..i) matches key[0..j)
  let m: boolean[] = Array.from({ length: key.length + 1 }, (_, j) => j === 0);
  for (const g of glob) {
    const next: boolean[] = new Array<boolean>(key.length + 1).fill(false);
    if (g === '*') {
      next[0] = m[0] === true;
      for (let j = 1; j <= key.length; j++) next[j] = m[j] === true || next[j - 1] === true;
    } else {
      for (let j = 1; j <= key.length; j++) next[j] = m[j - 1] === true && key[j - 1] === g;
    }
    m = next;
  }
  return m[key.length] === true;
}

function referencePatterns(text: string | undefined, key: string): boolean {
  const globs = (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return globs.length === 0 || globs.some((g) => referenceGlob(g, key));
}

describe('property: glob matching agrees with a reference matcher', () => {
  const alphabet = [...'ab:/.*?+()[]^$\\|{}- '];
  const keyAlphabet = alphabet.filter((c) => c !== '*').concat(['*']); // keys may hold a literal '*' too
  const glob = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 10 });
  const key = fc.string({ unit: fc.constantFrom(...keyAlphabet), maxLength: 14 });
  // A key built from the glob itself, so that matches are frequent rather than rare.
  const globAndKey = glob.chain((g) =>
    fc.tuple(
      fc.constant(g),
      fc.oneof(
        key,
        fc
          .array(fc.string({ unit: fc.constantFrom(...keyAlphabet), maxLength: 3 }), {
            minLength: g.split('*').length,
            maxLength: g.split('*').length,
          })
          .map((fills) =>
            g.split('*').reduce((acc, part, i) => acc + (i === 0 ? '' : fills[i - 1]) + part, ''),
          ),
      ),
    ),
  );

  it('compileGlobs([glob]) matches exactly what the reference does', () => {
    check(
      fc.property(globAndKey, ([g, k]) => {
        assert.equal(
          compileGlobs([g]).test(k),
          referenceGlob(g, k),
          `glob ${JSON.stringify(g)} key ${JSON.stringify(k)}`,
        );
      }),
      1000,
    );
  });

  it('compileGlobs(globs) is the OR of the reference over the globs (none: everything)', () => {
    check(
      fc.property(fc.array(glob, { maxLength: 4 }), key, (globs, k) => {
        const expected = globs.length === 0 || globs.some((g) => referenceGlob(g, k));
        assert.equal(compileGlobs(globs).test(k), expected);
      }),
    );
  });

  it('compilePatterns(comma-separated text) matches what the reference does', () => {
    const text = fc.option(fc.string({ unit: fc.constantFrom(...alphabet, ',', ',', ' '), maxLength: 16 }), {
      nil: undefined,
    });
    check(
      fc.property(text, key, (t, k) => {
        assert.equal(compilePatterns(t).test(k), referencePatterns(t, k), `patterns ${JSON.stringify(t)}`);
      }),
    );
  });

  it('stays linear on adversarial globs (a*a*a*…*b against a long key of a)', () => {
    check(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1000, max: 20_000 }),
        (stars, length) => {
          const g = `${'a*'.repeat(stars)}b`;
          const k = 'a'.repeat(length);
          assert.equal(compileGlobs([g]).test(k), false);
          assert.equal(compileGlobs([g]).test(`${k}b`), true);
        },
      ),
      50,
    );
  });
});

/** The events of a whole stream as an EventSource dispatches them. */
const parseEventStream = (stream: string) => parseAsBrowser(stream).events;

describe('property: SSE frames', () => {
  const breaks = fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\r', '\n\r', '\r\n\r\n');
  const payload = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 8 }),
        breaks,
        fc.constantFrom(':', ' ', 'data: x', 'id: 9'),
      ),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join(''));
  const id = fc.maxSafeNat();
  const normalized = (text: string) => text.replace(/\r\n|\r/g, '\n');

  it('eventFrame of any text is one event with its id and the text (line ends as LF)', () => {
    check(
      fc.property(id, payload, (n, text) => {
        const events = parseEventStream(eventFrame(n, text));
        assert.deepEqual(events, [{ type: 'message', data: normalized(text), lastEventId: String(n) }]);
      }),
      1000,
    );
  });

  it('namedFrame of any text and event name is one event of that type', () => {
    check(
      fc.property(
        fc.option(id, { nil: undefined }),
        fc.option(payload, { nil: undefined }),
        payload,
        (n, name, text) => {
          const events = parseEventStream(namedFrame(name, text, n));
          const cleaned = name?.replace(/[\r\n]/g, '') ?? '';
          assert.deepEqual(events, [
            {
              type: cleaned === '' ? 'message' : cleaned,
              data: normalized(text),
              lastEventId: n === undefined ? '' : String(n),
            },
          ]);
        },
      ),
    );
  });

  it('eventFrame of any JSON.stringify output round-trips exactly, and frames concatenate', () => {
    check(
      fc.property(
        fc.array(fc.tuple(id, fc.jsonValue(), payload), { minLength: 1, maxLength: 5 }),
        (items) => {
          const stream = items
            .map(([n, value, comment]) => `${commentFrame(comment)}${eventFrame(n, JSON.stringify(value))}`)
            .join('');
          const events = parseEventStream(stream);
          assert.equal(events.length, items.length);
          items.forEach(([n, value], i) => {
            assert.equal(events[i]?.data, JSON.stringify(value));
            assert.equal(events[i]?.lastEventId, String(n));
            assert.deepEqual(JSON.parse(events[i]?.data ?? ''), JSON.parse(JSON.stringify(value)));
          });
        },
      ),
    );
  });
});

describe('property: delivery payloads', () => {
  const suffixes = ['_CREATED', '_UPDATED', '_DELETED', 'S_DELETED'];
  const type = fc.oneof(
    fc.constantFrom(...EVENT_TYPES),
    fc.tuple(fc.constantFrom('CONFIG', 'FEATURE', 'X'), fc.constantFrom(...suffixes)).map(([a, b]) => a + b),
  );
  const event: fc.Arbitrary<WireEvent> = fc.record(
    {
      _id: fc.maxSafeNat(),
      type,
      key: fc.string({ maxLength: 12 }),
      domain: fc.constantFrom('Config', 'Feature', 'ApiKey'),
      payload: fc.jsonValue({ maxDepth: 3 }),
      oldValue: fc.jsonValue({ maxDepth: 3 }),
      authInfo: fc.option(fc.record({ clientId: fc.string(), name: fc.string() }), { nil: null }),
      timestamp: fc.constant('2026-11-24T11:01:00.469'),
      author: fc.record({ name: fc.string(), email: fc.string() }),
    },
    { requiredKeys: ['_id', 'type', 'key', 'domain', 'payload', 'authInfo', 'timestamp'] },
  );
  const events = fc.array(event, { maxLength: 6 });
  /** What a JSON round trip makes of a value (-0 becomes 0, undefined members go away). */
  const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

  it('izanamiBody of any list of event JSONs is {objectsEdited: the events}', () => {
    check(
      fc.property(events, (list) => {
        const body = izanamiBody(list.map((e) => JSON.stringify(e)));
        assert.deepEqual(JSON.parse(body), { objectsEdited: wire(list) });
      }),
    );
  });

  it('tweekBody has one update per event: oldValue null on *_CREATED, newValue null on *_DELETED', () => {
    check(
      fc.property(events, (list) => {
        const body = JSON.parse(tweekBody(list)) as {
          author: { name: unknown; email: unknown };
          updates: { keyPath: string; oldValue: unknown; newValue: unknown }[];
        };
        assert.equal(typeof body.author.name, 'string');
        assert.equal(typeof body.author.email, 'string');
        assert.equal(body.updates.length, list.length);
        list.forEach((e, i) => {
          const u = body.updates[i];
          assert.ok(u);
          assert.equal(u.keyPath, e.key);
          assert.ok('oldValue' in u && 'newValue' in u, 'both values are always present');
          if (e.type.endsWith('_CREATED')) {
            assert.equal(u.oldValue, null);
            assert.deepEqual(u.newValue, wire(e.payload));
          } else if (e.type.endsWith('_DELETED')) {
            assert.equal(u.newValue, null);
          } else {
            assert.deepEqual(u.newValue, wire(e.payload));
            assert.deepEqual(u.oldValue, wire(e.oldValue ?? null));
          }
        });
      }),
    );
  });
});
