import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppendUpkeep, retentionCheckEveryMs, upkeepEveryAppends } from '../../src/events/append-upkeep.js';

// src/events/append-upkeep.ts: a single event is a bare XADD; the append script's upkeep (retention, length
// cap, the record of what was trimmed) runs at least every min(1 s, retention / 10) and every 1 % of the cap.

const DAY = 86_400_000;

/** Which of `count` appends, taken at the times `at(i)`, run the script. */
function scriptRuns(
  upkeep: AppendUpkeep,
  count: number,
  at: (i: number) => number,
  forced = (_: number) => false,
) {
  const runs: number[] = [];
  for (let i = 0; i < count; i += 1) if (upkeep.take(at(i), forced(i))) runs.push(i);
  return runs;
}

describe('the upkeep intervals', () => {
  it('checks the retention as often as the script does: every min(1 s, retention / 10)', () => {
    assert.equal(retentionCheckEveryMs(DAY), 1000);
    assert.equal(retentionCheckEveryMs(10_000), 1000);
    assert.equal(retentionCheckEveryMs(5000), 500);
    assert.equal(retentionCheckEveryMs(9), 0);
  });

  it('lets 1 % of the cap be appended between two upkeeps, at least one append', () => {
    assert.equal(upkeepEveryAppends(1_000_000), 10_000);
    assert.equal(upkeepEveryAppends(1000), 10);
    assert.equal(upkeepEveryAppends(1050), 10);
    assert.equal(upkeepEveryAppends(50), 1);
  });
});

describe('AppendUpkeep.take', () => {
  it('runs the script for the first append, then not again within the interval', () => {
    const upkeep = new AppendUpkeep({ retentionMs: DAY, maxLength: 1_000_000 });
    assert.deepEqual(
      scriptRuns(upkeep, 100, (i) => 1000 + i * 9),
      [0],
    );
  });

  it('runs it again once the interval has passed since the last run', () => {
    const upkeep = new AppendUpkeep({ retentionMs: DAY, maxLength: 1_000_000 });
    // an append every 300 ms: at 0, 300, 600, 900 (no), 1200 (>= 1000 after 0: yes), … 2400 (yes)
    assert.deepEqual(
      scriptRuns(upkeep, 10, (i) => i * 300),
      [0, 4, 8],
    );
  });

  it('runs it every 1 % of the cap even within the interval', () => {
    const upkeep = new AppendUpkeep({ retentionMs: DAY, maxLength: 1000 });
    assert.deepEqual(
      scriptRuns(upkeep, 35, () => 5000),
      [0, 11, 22, 33],
    );
  });

  it('runs it on every append when the retention is under 10 ms; every other one with a cap under 200', () => {
    assert.deepEqual(
      scriptRuns(new AppendUpkeep({ retentionMs: 9, maxLength: 1_000_000 }), 5, () => 0),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      scriptRuns(new AppendUpkeep({ retentionMs: DAY, maxLength: 150 }), 5, () => 0),
      [0, 2, 4],
    );
  });

  it('counts a forced run (a commit, an idempotent append) as the upkeep', () => {
    const upkeep = new AppendUpkeep({ retentionMs: DAY, maxLength: 1_000_000 });
    // forced at 800: the interval starts again there, so 1500 does not run it, 1800 does
    assert.deepEqual(
      scriptRuns(
        upkeep,
        6,
        (i) => [0, 500, 800, 1500, 1799, 1800][i] as number,
        (i) => i === 2,
      ),
      [0, 2, 5],
    );
  });

  it('runs it when the clock went back', () => {
    const upkeep = new AppendUpkeep({ retentionMs: DAY, maxLength: 1_000_000 });
    assert.deepEqual(
      scriptRuns(upkeep, 3, (i) => [10_000, 10_100, 9000][i] as number),
      [0, 2],
    );
  });
});
