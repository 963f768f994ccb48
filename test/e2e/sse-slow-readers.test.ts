import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSlowReaders } from '../helpers/faults/slow-readers.js';

const MiB = 1024 * 1024;

// Issue 5, fault tests: listeners that read one byte a second on a relay process (its memory measured from
// outside). The in-process form with a listener that stops reading is test/integration/sse-slow-client.test.ts;
// the longer form is scripts/chaos/slow-readers.ts.

describe('SSE listeners reading 1 byte/s on a relay process', () => {
  it('are cut at the cap while 48 MiB of events go out; the relay stays within its memory and the reading listener gets everything', async (t) => {
    const result = await runSlowReaders({
      slowReaders: 4,
      capBytes: 256 * 1024,
      eventBytes: 256 * 1024,
      publishBytes: 48 * MiB,
      // a heap far too small to keep what was sent: a relay that retained it would die
      relayNodeOptions: '--max-old-space-size=64',
      progress: (line) => t.diagnostic(line),
    });
    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    t.diagnostic(
      `relay RSS ${mib(result.rssBefore)} before, ${mib(result.rssPeak)} at most, ${mib(result.rssAfter)} at the end; ` +
        `buffering for the slow readers would take ${mib(result.unboundedBytes)}; they read ${result.slowBytesRead} bytes`,
    );
    assert.equal(result.cut, 4, 'each slow reader was cut as slow');
    assert.equal(result.clientsAtEnd, 1, 'only the reading listener is left');
    assert.ok(result.slowBytesRead > 0, 'the slow readers did read');
    assert.deepEqual(
      {
        lost: result.normal.lost,
        duplicates: result.normal.duplicates,
        outOfOrder: result.normal.outOfOrder,
      },
      { lost: 0, duplicates: 0, outOfOrder: 0 },
      'the reading listener',
    );
    assert.equal(result.normal.received, result.events);
    const growth = result.rssPeak - result.rssBefore;
    assert.ok(
      growth < result.unboundedBytes / 2,
      `relay RSS grew by ${mib(growth)}, half of what buffering would take is ${mib(result.unboundedBytes / 2)}`,
    );
  });
});
