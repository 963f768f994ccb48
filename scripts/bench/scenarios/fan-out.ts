import { fileURLToPath } from 'node:url';
import type { RatePublishArgs, RatePublishResult } from '../clients/fanout-publisher-api.js';
import { ClientProcess } from '../lib/client-process.js';
import { FanoutFleet } from '../lib/fanout-fleet.js';
import { progress } from '../lib/progress.js';
import type { Section } from '../lib/report.js';
import type { PeerListening } from '../peers/peer-api.js';
import { authHeaders, type BenchContext } from './context.js';
import { ceiling } from './fan-out-ceiling.js';
import { fanOutSection } from './fan-out-report.js';
import type { Mode } from './fan-out-step.js';
import { GROUPS, paths, stepsOf } from './fan-out-sweep.js';

const NAIVE_PEER = fileURLToPath(new URL('../peers/naive-relay.ts', import.meta.url));
const MODES: Mode[] = ['broadcast', 'selective'];
/** Publishing requests unanswered at once, at most (the rate is kept open loop below this). */
const MAX_IN_FLIGHT = 32;

/**
 * SSE fan-out at a fixed publish rate to N clients of one relay process, broadcast (every client on all of
 * domain Config) and selective (10 key patterns, each event matching a tenth of the clients); the same against
 * the naive peer (a Redis connection per client) and the bare fan-out ceiling (one Node process writing a
 * prebuilt frame to N sockets).
 */
export async function fanOut(ctx: BenchContext): Promise<Section> {
  const o = ctx.options;
  // memory per connection is read off this process: it must not start with a heap the other scenarios grew
  await ctx.freshRelay();
  const count = o.fanoutRate * o.fanoutSeconds;
  const interval = 1000 / o.fanoutRate;
  const fleet = await FanoutFleet.start(ctx.clientScript('fanout-sse'), o.fanoutProcs);
  const publisher = await ClientProcess.start('fanout-publisher', ctx.clientScript('fanout-publisher'));
  const peers: ClientProcess[] = [];
  let nextEvent = 0;
  const publishThroughRelay = async (n = count, intervalMs = interval) => {
    const first = nextEvent;
    nextEvent += n;
    const args: RatePublishArgs = {
      port: ctx.relay.port,
      headers: authHeaders(ctx.relay),
      count: n,
      first,
      intervalMs,
      maxInFlight: MAX_IN_FLIGHT,
      timeoutMs: n * intervalMs + 30_000,
    };
    const r = await publisher.call<RatePublishResult>('publish', args, args.timeoutMs + 40_000);
    // event first + n has the key bench:config:<(first + n) % 1000>: its group is the key's last digit
    const events = r.events.map((e) => ({ id: e.id, sentAt: e.sentAt, group: (first + e.n) % GROUPS }));
    return { events, errors: r.errors };
  };
  try {
    progress(`fan-out: warm-up (100 clients, 50 events), client pids ${fleet.pids.join(', ')}`);
    await fleet.open(
      { port: ctx.relay.port, headers: authHeaders(ctx.relay), paths: paths('broadcast') },
      100,
      60_000,
    );
    await fleet.reset();
    const warm = await publishThroughRelay(50, 10);
    await fleet.collect(warm.events, 1, 15_000);
    await fleet.close();

    const relay = await stepsOf(ctx, fleet, {
      server: 'relay',
      pid: ctx.relay.pid,
      port: ctx.relay.port,
      headers: authHeaders(ctx.relay),
      sizes: o.fanoutSizes,
      modes: MODES,
      baseline: true,
      publish: () => publishThroughRelay(),
    });

    const naiveProc = await ClientProcess.start('naive-relay', NAIVE_PEER);
    peers.push(naiveProc);
    const naivePort = await naiveProc.call<PeerListening>(
      'listen',
      { redisUrl: ctx.redis.url, stream: ctx.stream },
      10_000,
    );
    const naive = await stepsOf(ctx, fleet, {
      server: 'naive',
      pid: naiveProc.pid,
      port: naivePort.port,
      headers: {},
      sizes: o.fanoutNaiveSizes,
      modes: MODES,
      baseline: false,
      publish: () => publishThroughRelay(),
    });
    await naiveProc.stop();

    const { raw, bursts } = await ceiling(ctx, fleet, peers);
    return fanOutSection(ctx, { relay, naive, raw, bursts });
  } finally {
    await Promise.all([fleet.stop(), publisher.stop(), ...peers.map((p) => p.stop())]);
  }
}
