/** Longer form of test/e2e/webhooks-kills.test.ts: a dispatching relay SIGKILLed in the middle of bursts. */
import { runDispatcherKills } from '../../test/helpers/faults/dispatcher-kills.js';
import { runChaos } from './lib/chaos-run.js';

await runChaos(
  'dispatcher-kills',
  'SIGKILLs one of two dispatching relays mid-burst: the entries it read and did not acknowledge are taken over.',
  {
    kills: { default: 20, help: 'SIGKILLs, one per burst' },
    burst: { default: 100, help: 'commits per burst' },
  },
  async (flags, progress) => {
    const r = await runDispatcherKills({
      kills: flags.kills,
      burst: flags.burst,
      settleTimeoutMs: 120_000,
      progress,
    });
    const failures: string[] = [];
    if (r.deliveries.duplicates > 0) failures.push(`${r.deliveries.duplicates} deliveries enqueued twice`);
    return {
      summary: r.summary,
      details: {
        pendingAtKills: r.pendingAtKills,
        killsThatLeftEntriesPending: r.pendingAtKills.filter((n) => n > 0).length,
      },
      failures,
    };
  },
);
