import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryDelayMs,
} from '../../src/webhooks/backoff.js';

// CONTRACT.md, Delivery guarantees: retried with exponential backoff and jitter; 429 honours `Retry-After`.

const low = () => 0;
const high = () => 0.999999;
const mid = () => 0.5;
const HOUR = 3_600_000;

describe('retryDelayMs: exponential backoff', () => {
  it('doubles with each attempt: base × 2^(attempt − 1) at most', () => {
    assert.equal(
      retryDelayMs(1, 1000, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(2, 1000, () => 1),
      2000,
    );
    assert.equal(
      retryDelayMs(3, 1000, () => 1),
      4000,
    );
    assert.equal(
      retryDelayMs(8, 5000, () => 1),
      640_000,
    );
  });

  it('uses equal jitter: never below half the step, below the full step for random < 1', () => {
    assert.equal(retryDelayMs(1, 1000, low), 500);
    assert.equal(retryDelayMs(3, 1000, low), 2000);
    assert.equal(retryDelayMs(3, 1000, mid), 3000);
    assert.equal(retryDelayMs(3, 1000, high), 4000);
    assert.ok(retryDelayMs(3, 1000, () => 0.99) < 4000);
  });

  it('every delay of a schedule falls in [step/2, step] and the lower bounds double', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const step = 100 * 2 ** (attempt - 1);
      for (const r of [0, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const delay = retryDelayMs(attempt, 100, () => r);
        assert.ok(delay >= step / 2 && delay <= step, `attempt ${attempt}, r ${r}: ${delay}`);
      }
    }
  });

  it('spreads deliveries that failed together', () => {
    const delays = new Set([0.05, 0.25, 0.45, 0.65, 0.85].map((r) => retryDelayMs(4, 1000, () => r)));
    assert.equal(delays.size, 5);
  });

  it('calls the random source once per computed delay', () => {
    let calls = 0;
    retryDelayMs(2, 1000, () => {
      calls++;
      return 0.3;
    });
    assert.equal(calls, 1);
  });

  it('returns whole milliseconds', () => {
    assert.ok(Number.isInteger(retryDelayMs(1, 3, () => 0.123)));
    assert.ok(Number.isInteger(retryDelayMs(5, 7, () => 0.777)));
  });

  it('is capped at MAX_BACKOFF_MS (1 h), including for absurd attempt counts', () => {
    assert.equal(MAX_BACKOFF_MS, HOUR);
    assert.equal(
      retryDelayMs(30, 5000, () => 1),
      HOUR,
    );
    assert.equal(retryDelayMs(30, 5000, low), HOUR / 2);
    assert.equal(
      retryDelayMs(1_000_000, 5000, () => 1),
      HOUR,
    );
    assert.equal(
      retryDelayMs(Number.MAX_SAFE_INTEGER, 5000, () => 1),
      HOUR,
    );
    assert.equal(
      retryDelayMs(1, 10 * HOUR, () => 1),
      HOUR,
    );
  });

  it('reaches the cap exactly at the attempt where the step passes it', () => {
    // 5000 × 2^9 = 2,560,000 < 1 h; 5000 × 2^10 = 5,120,000 > 1 h.
    assert.equal(
      retryDelayMs(10, 5000, () => 1),
      2_560_000,
    );
    assert.equal(
      retryDelayMs(11, 5000, () => 1),
      HOUR,
    );
  });

  it('treats attempt counts below 1, fractional or not finite as the first attempt', () => {
    assert.equal(
      retryDelayMs(0, 1000, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(-3, 1000, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(Number.NaN, 1000, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(2.9, 1000, () => 1),
      2000,
    );
  });

  it('waits nothing with a zero, negative or NaN base (tests may set it low)', () => {
    assert.equal(retryDelayMs(3, 0, mid), 0);
    assert.equal(retryDelayMs(3, -10, mid), 0);
    assert.equal(retryDelayMs(3, Number.NaN, mid), 0);
  });

  it('clamps a random source that strays outside [0, 1]', () => {
    assert.equal(
      retryDelayMs(1, 1000, () => -5),
      500,
    );
    assert.equal(
      retryDelayMs(1, 1000, () => 7),
      1000,
    );
    assert.equal(
      retryDelayMs(1, 1000, () => Number.NaN),
      500,
    );
  });
});

describe('retryDelayMs: Retry-After', () => {
  it('uses the receiver’s delay instead of the backoff, without jitter', () => {
    let calls = 0;
    const random = () => {
      calls++;
      return 0.5;
    };
    assert.equal(retryDelayMs(1, 1000, random, 30_000), 30_000);
    assert.equal(retryDelayMs(6, 1000, random, 2_000), 2_000);
    assert.equal(calls, 0);
  });

  it('is obeyed even when shorter than the backoff step', () => {
    assert.equal(retryDelayMs(8, 5000, mid, 1000), 1000);
  });

  it('clamps negative values to 0 and huge ones to MAX_RETRY_AFTER_MS (1 h)', () => {
    assert.equal(MAX_RETRY_AFTER_MS, HOUR);
    assert.equal(retryDelayMs(1, 1000, mid, -500), 0);
    assert.equal(retryDelayMs(1, 1000, mid, 0), 0);
    assert.equal(retryDelayMs(1, 1000, mid, 86_400_000), HOUR);
    assert.equal(retryDelayMs(1, 1000, mid, Number.POSITIVE_INFINITY), HOUR);
  });

  it('falls back to the backoff for NaN', () => {
    assert.equal(
      retryDelayMs(2, 1000, () => 1, Number.NaN),
      2000,
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 24, 11, 0, 0); // Tue, 24 Nov 2026 11:00:00 GMT

  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('007', now), 7000);
  });

  it('ignores surrounding whitespace', () => {
    assert.equal(parseRetryAfter('  5 ', now), 5000);
    assert.equal(parseRetryAfter('\tTue, 24 Nov 2026 11:00:10 GMT ', now), 10_000);
  });

  it('reads a number too large to represent as the largest delay, left for retryDelayMs to cap', () => {
    const huge = parseRetryAfter('9'.repeat(400), now);
    assert.equal(huge, Number.MAX_SAFE_INTEGER);
    assert.equal(retryDelayMs(1, 1000, mid, huge), MAX_RETRY_AFTER_MS);
  });

  it('reads an IMF-fixdate as the time left until it', () => {
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 11:01:30 GMT', now), 90_000);
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now), 86_400_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    assert.equal(parseRetryAfter('Tuesday, 24-Nov-26 11:00:45 GMT', now), 45_000);
    assert.equal(parseRetryAfter('Tue Nov 24 11:02:00 2026', now), 120_000);
    assert.equal(parseRetryAfter('Tue Dec  1 11:00:00 2026', now), 7 * 86_400_000);
  });

  it('reads an RFC 850 two-digit year as within 50 years ahead, else the past century', () => {
    // From 2026: 76 is 2076 (50 ahead), 77 is 1977 (past, so 0).
    assert.equal(parseRetryAfter('Sunday, 01-Jan-76 00:00:00 GMT', now), Date.UTC(2076, 0, 1) - now);
    assert.equal(parseRetryAfter('Saturday, 01-Jan-77 00:00:00 GMT', now), 0);
  });

  it('gives 0 for a date in the past', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 0);
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 10:59:59 GMT', now), 0);
  });

  it('accepts a leap second', () => {
    assert.equal(parseRetryAfter('Tue, 24 Nov 2026 11:00:60 GMT', now), 60_000);
  });

  it('reads years below 100 as such, not as 19xx', () => {
    assert.equal(parseRetryAfter('Mon, 01 Jan 0099 00:00:00 GMT', now), 0);
    const farFuture = Date.UTC(2099, 0, 1);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2099 00:00:00 GMT', now), farFuture - now);
  });

  it('is undefined when absent or empty', () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('   ', now), undefined);
  });

  it('is undefined for malformed delta-seconds', () => {
    for (const bad of ['-5', '1.5', '1e3', '+5', '0x10', '5s', '5 5', '５']) {
      assert.equal(parseRetryAfter(bad, now), undefined, bad);
    }
  });

  it('is undefined for dates in other formats or with impossible fields', () => {
    for (const bad of [
      '2026-11-24T11:01:00Z',
      'Tue, 24 Nov 2026 11:01:00 UTC',
      'Tue, 24 Nov 2026 11:01:00 +0000',
      'Tue, 24 Nov 2026 11:01:00',
      'tue, 24 nov 2026 11:01:00 GMT',
      'Tue, 24 Nov 26 11:01:00 GMT',
      'Tue, 4 Nov 2026 11:01:00 GMT',
      'Xyz, 24 Nov 2026 11:01:00 GMT',
      'Tue, 24 Foo 2026 11:01:00 GMT',
      'Tue, 31 Nov 2026 11:01:00 GMT',
      'Tue, 29 Feb 2026 11:01:00 GMT',
      'Tue, 00 Nov 2026 11:01:00 GMT',
      'Tue, 24 Nov 2026 24:00:00 GMT',
      'Tue, 24 Nov 2026 11:60:00 GMT',
      'Tue, 24 Nov 2026 11:00:61 GMT',
      'Tue Nov  0 11:02:00 2026',
      'Tue Nov 24 11:02:00 2026 GMT',
      'Tues, 24-Nov-26 11:00:45 GMT',
      'tomorrow',
      'Tue, 24 Nov 2026 11:01:00 GMT, 5',
    ]) {
      assert.equal(parseRetryAfter(bad, now), undefined, bad);
    }
  });

  it('accepts 29 February in a leap year', () => {
    const t = Date.UTC(2028, 1, 29, 0, 0, 0);
    assert.equal(parseRetryAfter('Tue, 29 Feb 2028 00:00:00 GMT', now), t - now);
  });
});
