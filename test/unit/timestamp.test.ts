import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp } from '../../src/events/timestamp.js';

// CONTRACT.md, Events: `timestamp`: UTC, ISO local date-time with milliseconds and no offset, as Izanami writes
// it (`2026-11-24T11:01:00.469`).

describe('formatTimestamp', () => {
  it('writes the contract example', () => {
    assert.equal(formatTimestamp(Date.UTC(2026, 10, 24, 11, 1, 0, 469)), '2026-11-24T11:01:00.469');
  });

  it('has the shape yyyy-MM-ddTHH:mm:ss.SSS, with no zone or offset', () => {
    const text = formatTimestamp(Date.UTC(2017, 11, 18, 13, 58, 17, 841));
    assert.equal(text, '2017-12-18T13:58:17.841');
    assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
    assert.ok(!text.endsWith('Z'));
  });

  it('always writes three digits of milliseconds, zeros included', () => {
    assert.equal(formatTimestamp(Date.UTC(2026, 0, 1, 0, 0, 0, 0)), '2026-01-01T00:00:00.000');
    assert.equal(formatTimestamp(Date.UTC(2026, 0, 1, 0, 0, 0, 5)), '2026-01-01T00:00:00.005');
    assert.equal(formatTimestamp(Date.UTC(2026, 0, 1, 0, 0, 0, 50)), '2026-01-01T00:00:00.050');
  });

  it('pads every field to its width', () => {
    assert.equal(formatTimestamp(Date.UTC(2026, 1, 3, 4, 5, 6, 7)), '2026-02-03T04:05:06.007');
  });

  it('the epoch', () => {
    assert.equal(formatTimestamp(0), '1970-01-01T00:00:00.000');
  });

  it('the last millisecond of a day and of a year', () => {
    assert.equal(formatTimestamp(Date.UTC(2026, 11, 31, 23, 59, 59, 999)), '2026-12-31T23:59:59.999');
    assert.equal(formatTimestamp(Date.UTC(2026, 11, 31, 23, 59, 59, 999) + 1), '2027-01-01T00:00:00.000');
  });

  it('a leap day', () => {
    assert.equal(formatTimestamp(Date.UTC(2028, 1, 29, 12, 0, 0, 0)), '2028-02-29T12:00:00.000');
  });

  it('is UTC whatever the local time zone of the process', () => {
    const ms = Date.UTC(2026, 10, 24, 23, 30, 0, 1);
    const previous = process.env.TZ;
    try {
      for (const zone of ['Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kolkata', 'UTC']) {
        process.env.TZ = zone;
        assert.equal(formatTimestamp(ms), '2026-11-24T23:30:00.001', zone);
      }
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });

  it('reads back as the same instant when parsed as UTC', () => {
    const ms = Date.UTC(2026, 10, 24, 11, 1, 0, 469);
    assert.equal(Date.parse(`${formatTimestamp(ms)}Z`), ms);
  });

  it('keeps the order of instants (as text, for a four-digit year)', () => {
    const instants = [
      0,
      1,
      999,
      1000,
      86_399_999,
      Date.UTC(2026, 10, 24),
      Date.UTC(2026, 10, 24, 0, 0, 0, 1),
    ];
    const texts = instants.map(formatTimestamp);
    assert.deepEqual([...texts].sort(), texts);
  });
});
