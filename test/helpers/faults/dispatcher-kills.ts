import type { Redis } from 'ioredis';
import { relayKeys } from '../../../src/redis/keys.js';
import { DISPATCH_GROUP } from '../../../src/webhooks/dispatcher.js';
import { settle, sleep, within } from '../e2e-kit.js';
import { type DeliveryTally, type FaultSummary, tallyDeliveries } from '../fault-tally.js';
import { answer } from '../receiver.js';
import type { RelayProcess } from '../relay-process.js';
import { publishCommit, startRig } from './process-rig.js';

export interface DispatcherKillsOptions {
  /** SIGKILLs of the dispatching relay, one per burst. */
  readonly kills: number;
  /** Commits published (through the relay that stays up, 8 at a time) in each burst. */
  readonly burst: number;
  readonly settleTimeoutMs?: number;
  readonly progress?: (line: string) => void;
}

export interface DispatcherKillsResult {
  readonly summary: FaultSummary;
  readonly deliveries: DeliveryTally;
  /** Stream entries the killed relay had read but not acknowledged, at each kill (taken over by another). */
  readonly pendingAtKills: number[];
}

/** Entries pending in the dispatch group on the consumer of process `pid` (consumer names hold the pid). */
async function pendingOf(redis: Redis, stream: string, pid: number): Promise<number> {
  const [, , , consumers] = (await redis.xpending(stream, DISPATCH_GROUP)) as [
    number,
    string | null,
    string | null,
    [string, string][] | null,
  ];
  return (consumers ?? [])
    .filter(([name]) => name.includes(`-${pid}-`))
    .reduce((n, [, count]) => n + Number(count), 0);
}

/**
 * Two relays dispatch the stream through the consumer group; one of them is SIGKILLed in the middle of each
 * burst of commits (and started again), so it dies holding entries it read and had not acknowledged. Every
 * commit must still be delivered (the survivors claim the dead consumer's entries), and only once (the job id
 * is derived from hook and commit, so a re-read entry cannot enqueue again).
 */
export async function runDispatcherKills(options: DispatcherKillsOptions): Promise<DispatcherKillsResult> {
  const say = options.progress ?? (() => undefined);
  const rig = await startRig({ receiver: answer(200, 'ok') });
  try {
    const stream = relayKeys(rig.prefix).events;
    const [stable, first] = await Promise.all([rig.startRelay(), rig.startRelay()]);
    let victim: RelayProcess = first;
    await rig.startWorker();
    const hookId = await rig.hook(stable, 'dk');
    const expected: string[] = [];
    const pendingAtKills: number[] = [];
    let n = 0;
    for (let k = 1; k <= options.kills; k++) {
      const burst = Array.from({ length: options.burst }, () => n++);
      let acked = 0;
      const publishing = (async () => {
        for (let i = 0; i < burst.length; i += 8) {
          const commits = await Promise.all(
            burst.slice(i, i + 8).map((c) => publishCommit(stable.baseUrl, rig.admin, 'dk', c, hookId)),
          );
          for (const commit of commits) expected.push(commit.deliveryId);
          acked += commits.length;
        }
      })();
      // the kill lands mid-burst, once a varying share of it is in
      const at = Math.floor((options.burst * (1 + (k % 4))) / 6);
      await settle(() => acked >= at, 30_000, 1);
      const pid = victim.pid;
      await within(victim.kill('SIGKILL'), 10_000, `SIGKILL ${k} of the dispatching relay`);
      pendingAtKills.push(await pendingOf(rig.redis.client, stream, pid));
      await publishing;
      victim = await rig.startRelay();
      say(`kill ${k}/${options.kills}: ${pendingAtKills[k - 1]} entries left pending by the killed relay`);
    }
    const r = rig.receiver;
    await settle(() => tallyDeliveries(r.requests, expected).lost === 0, options.settleTimeoutMs ?? 60_000);
    await sleep(2500); // longer than a claim round: a second take-over would enqueue again now
    const deliveries = tallyDeliveries(r.requests, expected);
    return {
      summary: {
        published: expected.length,
        acked: expected.length,
        delivered: deliveries.delivered,
        lost: deliveries.lost,
        duplicates: deliveries.duplicates,
      },
      deliveries,
      pendingAtKills,
    };
  } finally {
    await rig.close();
  }
}
