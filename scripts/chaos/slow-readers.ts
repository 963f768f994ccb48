/** Longer form of test/e2e/sse-slow-readers.test.ts: many listeners reading 1 byte/s on a relay process. */
import { runSlowReaders } from '../../test/helpers/faults/slow-readers.js';
import { runChaos } from './lib/chaos-run.js';

const MiB = 1024 * 1024;

await runChaos(
  'slow-readers',
  'Listeners reading 1 byte/s while large events are published: cut at the cap, relay memory bounded.',
  {
    'slow-readers': { default: 20, help: 'listeners reading one byte a second' },
    'cap-kib': { default: 256, help: 'SSE_MAX_BUFFERED_BYTES of the relay, KiB' },
    'event-kib': { default: 256, help: 'payload of each event, KiB (under 1 MiB)' },
    'publish-mib': { default: 200, help: 'MiB of events published in all' },
    'heap-mib': { default: 64, help: 'old-space limit of the relay (0: none)' },
  },
  async (flags, progress) => {
    const r = await runSlowReaders({
      slowReaders: flags['slow-readers'],
      capBytes: flags['cap-kib'] * 1024,
      eventBytes: flags['event-kib'] * 1024,
      publishBytes: flags['publish-mib'] * MiB,
      ...(flags['heap-mib'] > 0 ? { relayNodeOptions: `--max-old-space-size=${flags['heap-mib']}` } : {}),
      progress,
    });
    const failures: string[] = [];
    if (r.cut !== flags['slow-readers'])
      failures.push(`${r.cut} of ${flags['slow-readers']} slow readers cut`);
    if (r.normal.duplicates + r.normal.outOfOrder > 0)
      failures.push('the reading listener got duplicates or disorder');
    const growth = r.rssPeak - r.rssBefore;
    if (growth >= r.unboundedBytes / 2) failures.push(`relay RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
    return {
      summary: {
        published: r.events,
        acked: r.events,
        received: r.normal.received,
        lost: r.normal.lost,
        duplicates: r.normal.duplicates,
      },
      details: {
        slowReadersCut: r.cut,
        slowBytesRead: r.slowBytesRead,
        relayRssMiB: {
          before: +(r.rssBefore / MiB).toFixed(1),
          peak: +(r.rssPeak / MiB).toFixed(1),
          after: +(r.rssAfter / MiB).toFixed(1),
        },
        unboundedMiB: +(r.unboundedBytes / MiB).toFixed(1),
      },
      failures,
    };
  },
);
