import { fileURLToPath } from 'node:url';
import type { PublishedEvent } from '../clients/fanout-sse-api.js';
import { ClientProcess } from '../lib/client-process.js';
import type { FanoutFleet } from '../lib/fanout-fleet.js';
import { progress, sleep } from '../lib/progress.js';
import type { PeerListening, RawRunArgs, RawRunResult } from '../peers/peer-api.js';
import type { BenchContext } from './context.js';
import type { BurstResult, Runs } from './fan-out-results.js';
import { paths, stepsOf } from './fan-out-sweep.js';

const RAW_PEER = fileURLToPath(new URL('../peers/raw-fanout.ts', import.meta.url));
const BURST_EVENTS = 20;
type Method = RawRunArgs['method'];

/**
 * The bare ceiling (peers/raw-fanout.ts): paced steps at the same sizes and rate as the relay's broadcast
 * steps, the frame made a chunk once and written to each socket; then at the largest size a burst of frames
 * back to back, with that and with plain `res.write`, for the delivery rate.
 */
export async function ceiling(
  ctx: BenchContext,
  fleet: FanoutFleet,
  peers: ClientProcess[],
): Promise<{ raw: Runs; bursts: BurstResult[] }> {
  const o = ctx.options;
  const proc = await ClientProcess.start('raw-fanout', RAW_PEER);
  peers.push(proc);
  const { port } = await proc.call<PeerListening>('listen', {}, 10_000);
  let nextId = Date.now() * 1000;
  const run = async (count: number, intervalMs: number, method: Method) => {
    const firstId = nextId;
    nextId += count;
    const args: RawRunArgs = { firstId, count, intervalMs, method };
    const r = await proc.call<RawRunResult>('run', args, count * intervalMs + 60_000);
    const events = r.ids.map((id, i) => ({ id, sentAt: r.sentAt[i] as number, group: 0 }));
    return { events, errors: 0, run: r };
  };
  const raw = await stepsOf(ctx, fleet, {
    server: 'raw',
    pid: proc.pid,
    port,
    headers: {},
    sizes: o.fanoutSizes,
    modes: ['broadcast'],
    baseline: false,
    publish: () => run(o.fanoutRate * o.fanoutSeconds, 1000 / o.fanoutRate, 'socket.write'),
  });
  const n = Math.max(...o.fanoutSizes);
  await fleet.open({ port, headers: {}, paths: paths('broadcast') }, n, 180_000);
  await sleep(1000);
  const bursts: BurstResult[] = [];
  for (const method of ['socket.write', 'res.write'] as const) bursts.push(await burst(fleet, method, run));
  await fleet.close();
  await proc.stop();
  return { raw, bursts };
}

/** The ceiling's delivery rate: a burst of frames written back to back to N sockets. */
async function burst(
  fleet: FanoutFleet,
  method: Method,
  run: (
    count: number,
    intervalMs: number,
    method: Method,
  ) => Promise<{ events: PublishedEvent[]; run: RawRunResult }>,
): Promise<BurstResult> {
  await fleet.reset();
  const { events, run: r } = await run(BURST_EVENTS, 0, method);
  const delivery = await fleet.collect(events, 1, 30_000);
  const seconds = (delivery.lastAt - (events[0]?.sentAt ?? Number.NaN)) / 1000;
  const result: BurstResult = {
    method,
    clients: delivery.connections,
    events: events.length,
    delivered: delivery.delivered,
    lost: delivery.lost,
    seconds,
    deliveriesPerSecond: delivery.delivered / seconds,
    writesPerSecond: r.writes / (r.writeMs / 1000),
    frameBytes: r.frameBytes,
  };
  progress(
    `fan-out: raw burst (${method}) of ${events.length} frames to ${result.clients} clients: ${Math.round(result.deliveriesPerSecond)} deliveries/s end to end, ${Math.round(result.writesPerSecond)} writes/s in the write loop`,
  );
  return result;
}
