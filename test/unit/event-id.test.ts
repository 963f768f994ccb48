import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareStreamIds,
  isWithdrawnId,
  MAX_SEQ,
  parsePublicId,
  parseStreamId,
  toPublicId,
  toStreamId,
} from '../../src/events/event-id.js';

// DESIGN.md: `_id = ms × 1000 + seq` of the entry id `ms-seq`, seq ≤ 999, a safe JSON integer.
const NOW_MS = Date.UTC(2026, 10, 24, 11, 1, 0, 469);

describe('parseStreamId', () => {
  it('splits an entry id into its millisecond and sequence parts', () => {
    assert.deepEqual(parseStreamId('1764000000000-7'), { ms: 1764000000000, seq: 7 });
    assert.deepEqual(parseStreamId('0-0'), { ms: 0, seq: 0 });
  });

  it(`accepts a sequence up to MAX_SEQ (${MAX_SEQ}) and no further`, () => {
    assert.equal(MAX_SEQ, 999);
    assert.deepEqual(parseStreamId('5-999'), { ms: 5, seq: 999 });
    assert.throws(() => parseStreamId('5-1000'), RangeError);
  });

  for (const bad of [
    '',
    '-',
    '12',
    '12-',
    '-3',
    'a-1',
    '1-a',
    '1-2-3',
    '1.5-2',
    ' 1-2',
    '1-2 ',
    '+1-2',
    '1--2',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseStreamId(bad), RangeError);
    });
  }

  it('refuses an entry id whose public id would not be a safe integer', () => {
    // ms × 1000 + seq must stay exact: the largest ms that fits is floor(MAX_SAFE_INTEGER / 1000).
    const maxMs = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
    const maxSeq = Number.MAX_SAFE_INTEGER % 1000;
    assert.deepEqual(parseStreamId(`${maxMs}-${maxSeq}`), { ms: maxMs, seq: maxSeq });
    assert.throws(() => parseStreamId(`${maxMs}-${maxSeq + 1}`), RangeError);
    assert.throws(() => parseStreamId(`${maxMs + 1}-0`), RangeError);
    assert.throws(() => toPublicId('999999999999999-999'), RangeError);
  });
});

describe('toPublicId / toStreamId', () => {
  it('encodes ms-seq as ms × 1000 + seq', () => {
    assert.equal(toPublicId(`${NOW_MS}-0`), NOW_MS * 1000);
    assert.equal(toPublicId(`${NOW_MS}-1`), NOW_MS * 1000 + 1);
    assert.equal(toPublicId(`${NOW_MS}-999`), NOW_MS * 1000 + 999);
    assert.equal(toPublicId('0-0'), 0);
    assert.equal(toPublicId('1-0'), 1000);
  });

  it('the public id of a current entry is a safe integer', () => {
    const id = toPublicId(`${NOW_MS}-999`);
    assert.ok(Number.isSafeInteger(id));
    assert.equal(JSON.parse(JSON.stringify({ _id: id }))._id, id);
  });

  it('decodes a public id back to its entry id', () => {
    assert.equal(toStreamId(NOW_MS * 1000 + 42), `${NOW_MS}-42`);
    assert.equal(toStreamId(0), '0-0');
    assert.equal(toStreamId(999), '0-999');
    assert.equal(toStreamId(1000), '1-0');
    assert.equal(toStreamId(Number.MAX_SAFE_INTEGER), '9007199254740-991');
  });

  it('round-trips in both directions', () => {
    for (const seq of [0, 1, 9, 10, 99, 100, 500, 998, 999]) {
      for (const ms of [0, 1, 999, 1000, NOW_MS, 9007199254739]) {
        const entry = `${ms}-${seq}`;
        assert.equal(toStreamId(toPublicId(entry)), entry);
      }
    }
    for (const id of [0, 1, 999, 1000, 1001, 123456789, NOW_MS * 1000 + 17, Number.MAX_SAFE_INTEGER]) {
      assert.equal(toPublicId(toStreamId(id)), id);
    }
  });

  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
    it(`toStreamId refuses ${bad}`, () => {
      assert.throws(() => toStreamId(bad), RangeError);
    });
  }
});

describe('parsePublicId (Last-Event-Id, lastEventId)', () => {
  it('accepts decimal digits', () => {
    assert.equal(parsePublicId('0'), 0);
    assert.equal(parsePublicId('1764000000000001'), 1764000000000001);
    assert.equal(parsePublicId(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  });

  it('refuses a raw ms-seq stream id', () => {
    assert.equal(parsePublicId('1764000000000-1'), undefined);
    assert.equal(parsePublicId('0-0'), undefined);
  });

  it('refuses integers beyond the safe range, which JSON could not carry exactly', () => {
    assert.equal(parsePublicId(String(Number.MAX_SAFE_INTEGER + 1)), undefined);
    assert.equal(parsePublicId('9999999999999999'), undefined);
    assert.equal(parsePublicId('942740804979392517'), undefined);
    assert.equal(parsePublicId('1'.repeat(400)), undefined);
  });

  for (const bad of [
    '',
    ' ',
    '-1',
    '+1',
    '1.0',
    '1e3',
    '0x10',
    '1_000',
    '1,000',
    ' 12',
    '12 ',
    '12\n',
    'abc',
    'Infinity',
    'NaN',
    '١٢٣', // Arabic-Indic digits are digits to Unicode, not decimal ASCII digits
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parsePublicId(bad), undefined);
    });
  }

  it('every accepted id maps to an entry id that maps back to it', () => {
    for (const text of ['0', '7', '1000', '1764000000000999', String(Number.MAX_SAFE_INTEGER)]) {
      const id = parsePublicId(text);
      assert.notEqual(id, undefined);
      assert.equal(toPublicId(toStreamId(id as number)), id);
    }
  });
});

describe('ordering', () => {
  it('compares entry ids as numbers where strings would disagree', () => {
    assert.ok('999-0' > '1000-0', 'as strings, 999-0 sorts after 1000-0');
    assert.ok(compareStreamIds('999-0', '1000-0') < 0);
    assert.ok(compareStreamIds('1000-0', '999-0') > 0);
    assert.ok('5-9' > '5-10');
    assert.ok(compareStreamIds('5-9', '5-10') < 0);
    assert.ok(compareStreamIds('5-999', '6-0') < 0);
  });

  it('is zero for equal ids only', () => {
    assert.equal(compareStreamIds('5-3', '5-3'), 0);
    assert.notEqual(compareStreamIds('5-3', '5-4'), 0);
  });

  it('sorts like the public ids do', () => {
    const entries = ['1000-0', '999-999', '10-5', '9-10', '9-9', '0-1', '1764000000000-0', '1000-1'];
    const byEntry = [...entries].sort(compareStreamIds);
    const byPublic = [...entries].sort((a, b) => toPublicId(a) - toPublicId(b));
    assert.deepEqual(byEntry, byPublic);
    assert.deepEqual(byEntry, [
      '0-1',
      '9-9',
      '9-10',
      '10-5',
      '999-999',
      '1000-0',
      '1000-1',
      '1764000000000-0',
    ]);
  });

  it('public ids are strictly increasing along consecutive entries, across a millisecond boundary', () => {
    const entries = [`${NOW_MS}-997`, `${NOW_MS}-998`, `${NOW_MS}-999`, `${NOW_MS + 1}-0`, `${NOW_MS + 1}-1`];
    const ids = entries.map(toPublicId);
    for (let i = 1; i < ids.length; i++) assert.equal((ids[i] as number) - (ids[i - 1] as number), 1);
  });

  it('throws on a malformed id rather than guessing an order', () => {
    assert.throws(() => compareStreamIds('1-0', 'x'), RangeError);
  });
});

// src/events/append-upkeep.ts: a single event is a bare `XADD *`, which after ms-999 gets ms-1000; that entry
// is withdrawn (deleted, the event appended again) and every reader skips it meanwhile.
describe('withdrawn ids (a bare XADD past seq 999)', () => {
  it('are the stream ids with a sequence above 999, and only those', () => {
    for (const id of ['5-1000', '1764000000000-1000', '1764000000000-65535', '0-1000'])
      assert.equal(isWithdrawnId(id), true, id);
    for (const id of ['5-999', '5-0', '1764000000000-999', '0-0', 'x-1000', '5-10a0', '-1000', '5-', '5'])
      assert.equal(isWithdrawnId(id), false, id);
  });

  it('have no public id: parseStreamId refuses them', () => {
    assert.throws(() => parseStreamId('5-1000'), RangeError);
  });

  it('are ordered among the others: after ms-999, before (ms + 1)-0', () => {
    assert.ok(compareStreamIds('5-999', '5-1000') < 0);
    assert.ok(compareStreamIds('5-1000', '6-0') < 0);
    assert.ok(compareStreamIds('5-1000', '5-1001') < 0);
    assert.equal(compareStreamIds('5-1000', '5-1000'), 0);
  });
});
