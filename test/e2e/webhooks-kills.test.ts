import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sleep, within } from '../helpers/e2e-kit.js';
import { formatSummary, tallyDeliveries } from '../helpers/fault-tally.js';
import { runDispatcherKills } from '../helpers/faults/dispatcher-kills.js';
import { type ProcessRig, publishCommit, startRig } from '../helpers/faults/process-rig.js';
import { runWorkerKills } from '../helpers/faults/worker-kills.js';
import { webhookId } from '../helpers/receiver.js';

// Issue 5, fault tests: delivery workers and dispatching relays SIGKILLed again and again (the built processes on
// a real Redis, receivers on 127.0.0.1). The longer forms are scripts/chaos/worker-kills.ts and dispatcher-kills.ts.

describe('repeated SIGKILLs of webhook processes', () => {
  const rigs: ProcessRig[] = [];

  after(async () => {
    await Promise.all(rigs.map((r) => r.close()));
  });

  it('worker SIGKILLed 5 times mid-delivery (120 commits, receiver answering in 100 ms): every delivery arrives; duplicates keep their webhook-id and body', async (t) => {
    const result = await runWorkerKills({
      kills: 5,
      commits: 120,
      receiverDelayMs: 100,
      concurrency: 4,
      progress: (line) => t.diagnostic(line),
    });
    t.diagnostic(formatSummary(result.summary));
    t.diagnostic(`duplicates (same webhook-id each): ${result.deliveries.duplicateIds.join(', ') || 'none'}`);
    assert.equal(result.inFlightAtKills.length, 5);
    assert.ok(
      result.inFlightAtKills.every((n) => n > 0),
      'each kill landed with deliveries in flight',
    );
    assert.equal(result.deliveries.lost, 0, 'deliveries lost');
    assert.equal(result.deliveries.delivered, 120);
    assert.equal(result.deliveries.unexpected, 0);
    assert.equal(result.deliveries.changedBodies, 0, 'a redelivery carries the same body');
  });

  it('a delivery whose worker is SIGKILLed twice while sending it is still delivered, with the same webhook-id', async () => {
    // the first two attempts are held open by the receiver: each time, the worker dies inside the delivery
    const rig = await startRig({
      receiver: ({ index }) => (index < 2 ? { hang: true } : { status: 200, body: 'ok' }),
    });
    rigs.push(rig);
    const relay = await rig.startRelay();
    const hookId = await rig.hook(relay, 'twice');
    const commit = await publishCommit(relay.baseUrl, rig.admin, 'twice', 0, hookId);
    const r = rig.receiver;
    for (let kill = 1; kill <= 2; kill++) {
      const worker = await rig.startWorker();
      await r.waitFor((reqs) => reqs.length === kill, `attempt ${kill}, held open`, 30_000);
      assert.equal(await within(worker.kill('SIGKILL'), 10_000, `SIGKILL ${kill}`), null);
    }
    await rig.startWorker();
    await r.waitFor(() => r.succeeded().length === 1, 'the delivery by the third worker', 30_000);
    await sleep(1500);
    assert.deepEqual(
      r.requests.map(webhookId),
      [commit.deliveryId, commit.deliveryId, commit.deliveryId],
      'two attempts cut by the kills, one delivered, all with the same webhook-id',
    );
    assert.equal(tallyDeliveries(r.requests, [commit.deliveryId]).lost, 0);
  });

  it('dispatching relay SIGKILLed in the middle of 5 bursts: entries it read are taken over, every commit delivered once', async (t) => {
    const result = await runDispatcherKills({ kills: 5, burst: 40, progress: (line) => t.diagnostic(line) });
    t.diagnostic(formatSummary(result.summary));
    t.diagnostic(
      `entries read but not acknowledged by the killed relay: ${result.pendingAtKills.join(', ')}`,
    );
    assert.equal(result.deliveries.lost, 0, 'deliveries lost');
    assert.equal(result.deliveries.delivered, 200);
    assert.equal(result.deliveries.duplicates, 0, 'a taken-over entry enqueued its delivery again');
    assert.equal(result.deliveries.unexpected, 0);
  });
});
