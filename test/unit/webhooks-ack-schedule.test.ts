import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK_BATCH, ACK_EVERY_MS, ackDue, ackEveryMs, readBlockMs } from '../../src/webhooks/ack-schedule.js';

// DESIGN.md, Webhooks: the dispatcher enqueues, then XACKs; a crash leaves entries pending for another to claim.
// The acknowledgements wait a little (one fsynced write per second instead of one per read), never long enough
// for a live dispatcher's entries to be claimed.

describe('ackEveryMs: how long handled entries may wait', () => {
  it('is a second with the default claim idle time (30 s)', () => {
    assert.equal(ackEveryMs(30_000), ACK_EVERY_MS);
    assert.equal(ACK_EVERY_MS, 1000);
  });

  it('is a quarter of a short claim idle time, so a live dispatcher acknowledges before a claim', () => {
    assert.equal(ackEveryMs(1000), 250);
    assert.equal(ackEveryMs(500), 125);
    for (const idle of [500, 999, 1000, 3999, 4000, 4001, 60_000])
      assert.ok(ackEveryMs(idle) * 4 <= idle, `idle ${idle}: waits ${ackEveryMs(idle)} ms`);
  });
});

describe('ackDue', () => {
  it('is never due with nothing waiting', () => {
    assert.equal(ackDue(0, 10_000, 1000), false);
  });

  it('is due once the oldest waiting entry has waited the interval', () => {
    assert.equal(ackDue(1, 999, 1000), false);
    assert.equal(ackDue(1, 1000, 1000), true);
    assert.equal(ackDue(5, 4000, 1000), true);
  });

  it('is due at once when a batch is waiting, however recent', () => {
    assert.equal(ackDue(ACK_BATCH - 1, 0, 1000), false);
    assert.equal(ackDue(ACK_BATCH, 0, 1000), true);
  });
});

describe('readBlockMs', () => {
  it('blocks the full time with nothing waiting', () => {
    assert.equal(readBlockMs(2000, 0, 0, 1000), 2000);
  });

  it('blocks only until the waiting entries fall due', () => {
    assert.equal(readBlockMs(2000, 3, 100, 1000), 900);
    assert.equal(readBlockMs(500, 3, 100, 1000), 500);
  });

  it('never asks for 0 (BLOCK 0 would block for ever) nor a negative time', () => {
    assert.equal(readBlockMs(2000, 3, 1000, 1000), 1);
    assert.equal(readBlockMs(2000, 3, 5000, 1000), 1);
  });
});
