/** Longer form of test/e2e/redis-restart.test.ts: Redis killed and restarted from its AOF, several times. */
import type { FaultSummary } from '../../test/helpers/fault-tally.js';
import { runRedisOutage } from '../../test/helpers/faults/redis-outage.js';
import { runChaos } from './lib/chaos-run.js';

await runChaos(
  'redis-outage',
  'Kills Redis under publishes, a listener and deliveries, keeps it down, restarts it from its AOF; each round anew.',
  {
    rounds: { default: 3, help: 'outages, each on a fresh Redis, relay and worker' },
    'outage-s': { default: 10, help: 'seconds Redis stays down' },
    'events-around': { default: 300, help: 'events acknowledged before and after each outage' },
    'fail-fast-ms': { default: 2000, help: 'a refused publish must be answered within this' },
  },
  async (flags, progress) => {
    const sums = { published: 0, acked: 0, received: 0, delivered: 0, lost: 0, duplicates: 0 };
    const rounds = [];
    const failures: string[] = [];
    for (let i = 1; i <= flags.rounds; i++) {
      const r = await runRedisOutage({
        outageMs: flags['outage-s'] * 1000,
        eventsAround: flags['events-around'],
        progress: (line) => progress(`round ${i}: ${line}`),
      });
      for (const k of Object.keys(sums) as (keyof typeof sums)[])
        sums[k] += (r.summary as FaultSummary)[k] ?? 0;
      if (r.slowestRefusalMs > flags['fail-fast-ms'])
        failures.push(`round ${i}: a refusal took ${r.slowestRefusalMs} ms`);
      if (r.otherFailures.length > 0)
        failures.push(`round ${i}: other failures ${r.otherFailures.join(', ')}`);
      if (r.partialCommits > 0) failures.push(`round ${i}: ${r.partialCommits} partial commits`);
      if (r.sse.duplicates + r.sse.outOfOrder > 0) failures.push(`round ${i}: SSE duplicates or disorder`);
      rounds.push({
        refused: r.refused,
        slowestRefusalMs: r.slowestRefusalMs,
        readyDownAfterMs: r.readyDownAfterMs,
        readyUpAfterMs: r.readyUpAfterMs,
        webhookDuplicates: r.deliveries.duplicates,
      });
    }
    return { summary: sums, details: { rounds }, failures };
  },
);
