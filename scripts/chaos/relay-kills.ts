/** Longer form of test/e2e/sigkill-relay.test.ts: the relay SSE clients listen on, SIGKILLed again and again. */
import { runRelayKills } from '../../test/helpers/faults/relay-kills.js';
import { runChaos } from './lib/chaos-run.js';

await runChaos(
  'relay-kills',
  'SIGKILLs the relay SSE listeners are on while two publishers race (one retrying on it with Idempotency-Key).',
  {
    kills: { default: 50, help: 'SIGKILLs of the relay' },
    listeners: { default: 5, help: 'SSE listeners resuming with Last-Event-Id' },
    'events-between-kills': { default: 30, help: 'events each listener receives between two kills' },
    'pause-ms': { default: 10, help: 'pause of each publisher between requests' },
  },
  async (flags, progress) => {
    const r = await runRelayKills({
      kills: flags.kills,
      listeners: flags.listeners,
      eventsBetweenKills: flags['events-between-kills'],
      pauseMs: flags['pause-ms'],
      progress,
    });
    const failures: string[] = [];
    if (r.summary.duplicates > 0) failures.push(`${r.summary.duplicates} duplicates`);
    const outOfOrder = r.sse.reduce((n, t) => n + t.outOfOrder, 0);
    if (outOfOrder > 0) failures.push(`${outOfOrder} events out of order`);
    if (r.failedOnStable > 0)
      failures.push(`${r.failedOnStable} publishes failed on the relay that stayed up`);
    return {
      summary: r.summary,
      details: {
        kills: r.kills,
        connectionsPerListener: r.connections,
        perListener: r.sse,
        ackedNotStored: r.ackedNotStored,
        appendedTwice: r.appendedTwice,
        requestsRetriedWithIdempotencyKey: r.retriedRequests,
      },
      failures,
    };
  },
);
