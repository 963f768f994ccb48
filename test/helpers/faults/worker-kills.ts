import { settle, sleep, waitUntil, within } from '../e2e-kit.js';
import { type DeliveryTally, type FaultSummary, tallyDeliveries } from '../fault-tally.js';
import type { ReceivedRequest } from '../receiver.js';
import type { WorkerProcess } from '../worker-process.js';
import { publishCommit, startRig } from './process-rig.js';

export interface WorkerKillsOptions {
  /** SIGKILLs of the delivery worker, each while it has deliveries in flight. */
  readonly kills: number;
  readonly commits: number;
  /** How long the receiver takes to answer each request. */
  readonly receiverDelayMs: number;
  /** WEBHOOK_CONCURRENCY of the worker. */
  readonly concurrency: number;
  /** How long to wait for every delivery once the kills are over. */
  readonly settleTimeoutMs?: number;
  readonly progress?: (line: string) => void;
}

export interface WorkerKillsResult {
  readonly summary: FaultSummary;
  readonly deliveries: DeliveryTally;
  /** Requests the receiver was still answering when each kill landed. */
  readonly inFlightAtKills: number[];
}

const inFlight = (requests: readonly ReceivedRequest[]) =>
  requests.filter((r) => 'status' in r.reply && r.respondedAt === undefined).length;

/**
 * The delivery worker is SIGKILLed `kills` times while it delivers `commits` commits to a receiver that takes
 * its time, and a new one is started after each kill: every delivery must arrive (a killed worker's jobs are
 * taken over once their lock lapses), and what arrives twice must carry the same webhook-id and body.
 */
export async function runWorkerKills(options: WorkerKillsOptions): Promise<WorkerKillsResult> {
  const say = options.progress ?? (() => undefined);
  const rig = await startRig({
    receiver: () => ({ status: 200, body: 'ok', delayMs: options.receiverDelayMs }),
    env: { WEBHOOK_CONCURRENCY: String(options.concurrency) },
  });
  try {
    const relay = await rig.startRelay();
    let worker: WorkerProcess = await rig.startWorker();
    const hookId = await rig.hook(relay, 'wk');
    const expected: string[] = [];
    for (let n = 0; n < options.commits; n++) {
      expected.push((await publishCommit(relay.baseUrl, rig.admin, 'wk', n, hookId)).deliveryId);
    }
    say(`${options.commits} commits published`);
    const inFlightAtKills: number[] = [];
    const r = rig.receiver;
    for (let k = 1; k <= options.kills; k++) {
      const goal = Math.floor((k * options.commits) / (options.kills + 1));
      await waitUntil(
        () => tallyDeliveries(r.requests, expected).delivered >= goal && inFlight(r.requests) > 0,
        `${goal} deliveries and one in flight before kill ${k}`,
        60_000,
        5,
      );
      inFlightAtKills.push(inFlight(r.requests));
      await within(worker.kill('SIGKILL'), 10_000, `SIGKILL ${k} of the worker`);
      worker = await rig.startWorker();
      say(
        `kill ${k}/${options.kills}: ${inFlightAtKills[k - 1]} in flight, ${r.requests.length} requests so far`,
      );
    }
    await settle(() => tallyDeliveries(r.requests, expected).lost === 0, options.settleTimeoutMs ?? 60_000);
    await sleep(2500); // a stalled job taken over late would arrive now, as a duplicate
    const deliveries = tallyDeliveries(r.requests, expected);
    return {
      summary: {
        published: options.commits,
        acked: options.commits,
        delivered: deliveries.delivered,
        lost: deliveries.lost,
        duplicates: deliveries.duplicates,
      },
      deliveries,
      inFlightAtKills,
    };
  } finally {
    await rig.close();
  }
}
