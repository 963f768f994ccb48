/** Longer form of test/e2e/webhooks-kills.test.ts: the delivery worker SIGKILLed mid-delivery, again and again. */
import { runWorkerKills } from '../../test/helpers/faults/worker-kills.js';
import { runChaos } from './lib/chaos-run.js';

await runChaos(
  'worker-kills',
  'SIGKILLs the delivery worker while it delivers to a slow receiver; duplicates are counted (at least once).',
  {
    kills: { default: 20, help: 'SIGKILLs of the worker, each with deliveries in flight' },
    commits: { default: 1000, help: 'commits published (one delivery each)' },
    'receiver-delay-ms': { default: 100, help: 'how long the receiver takes to answer' },
    concurrency: { default: 8, help: 'WEBHOOK_CONCURRENCY of the worker' },
  },
  async (flags, progress) => {
    const r = await runWorkerKills({
      kills: flags.kills,
      commits: flags.commits,
      receiverDelayMs: flags['receiver-delay-ms'],
      concurrency: flags.concurrency,
      settleTimeoutMs: 120_000,
      progress,
    });
    const failures: string[] = [];
    if (r.deliveries.changedBodies > 0)
      failures.push(`${r.deliveries.changedBodies} redeliveries changed body`);
    return {
      summary: r.summary,
      details: {
        inFlightAtKills: r.inFlightAtKills,
        duplicateWebhookIds: r.deliveries.duplicateIds.length,
        requests: r.deliveries.requests,
      },
      failures,
    };
  },
);
