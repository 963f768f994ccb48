import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/duration.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  for (const [text, ms] of [
    ['500ms', 500],
    ['30s', 30 * SECOND],
    ['15m', 15 * MINUTE],
    ['24h', 24 * HOUR],
    ['7d', 7 * DAY],
    ['1d', DAY],
    ['0ms', 0],
  ] as const) {
    it(`reads ${text} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  it('reads a bare number as milliseconds', () => {
    assert.equal(parseDuration('2500'), 2500);
    assert.equal(parseDuration('0'), 0);
  });

  it('reads fractions, rounded to the millisecond', () => {
    assert.equal(parseDuration('1.5h'), 1.5 * HOUR);
    assert.equal(parseDuration('0.5s'), 500);
    assert.equal(parseDuration('0.0004s'), 0);
    assert.equal(parseDuration('1.6'), 2);
  });

  it('allows spaces around the value and between number and unit', () => {
    assert.equal(parseDuration('  30s '), 30 * SECOND);
    assert.equal(parseDuration('30 s'), 30 * SECOND);
  });

  it('tells m (minutes) from ms (milliseconds)', () => {
    assert.equal(parseDuration('5m'), 5 * MINUTE);
    assert.equal(parseDuration('5ms'), 5);
  });

  for (const bad of [
    '',
    ' ',
    's',
    'ms',
    '-5s',
    '+5s',
    '5 seconds',
    '5sec',
    '5S',
    '5H',
    '5w',
    '5y',
    '1e3',
    '1e3s',
    '.5s',
    '5.s',
    '0x10',
    '1h30m',
    'Infinity',
    'NaN',
    'soon',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseDuration(bad), undefined);
    });
  }

  it('refuses a number too large to be finite', () => {
    assert.equal(parseDuration(`${'9'.repeat(400)}d`), undefined);
  });
});
