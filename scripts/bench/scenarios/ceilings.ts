import { ClientProcess } from '../lib/client-process.js';
import type { BareXaddListening } from '../peers/bare-xadd-api.js';
import { runXaddBenchmark, type XaddBenchmark } from '../peers/redis-benchmark.js';
import type { BenchContext } from './context.js';

/** The stream keys of the ceilings: apart from the relay's, deleted after each use. */
export const XADD_BENCHMARK_KEY = 'bench-ceiling:redis-benchmark';
export const BARE_XADD_KEY = 'bench-ceiling:bare-xadd';
export const KOA_XADD_KEY = 'bench-ceiling:koa-xadd';

export const BENCHMARK_CLIENTS = 50;
export const BENCHMARK_PIPELINE = 16;

/**
 * Redis' own append ceiling: redis-benchmark `XADD` from 50 clients, pipelined 16 deep, then unpipelined (for
 * reference), on the bench's Redis (AOF, fsync always); the key is deleted after each.
 */
export async function xaddCeilings(
  ctx: BenchContext,
  requests: { pipelined: number; unpipelined: number },
): Promise<{ pipelined: XaddBenchmark; unpipelined: XaddBenchmark }> {
  const run = async (pipeline: number, n: number) => {
    try {
      return await runXaddBenchmark({
        port: ctx.redis.port,
        key: XADD_BENCHMARK_KEY,
        clients: BENCHMARK_CLIENTS,
        pipeline,
        requests: n,
        timeoutMs: 120_000,
      });
    } finally {
      await ctx.redis.client.del(XADD_BENCHMARK_KEY);
    }
  };
  const pipelined = await run(BENCHMARK_PIPELINE, requests.pipelined);
  const unpipelined = await run(1, requests.unpipelined);
  return { pipelined, unpipelined };
}

/**
 * A one-XADD-per-POST peer, a process of its own, listening: `bare-xadd` (node:http, peers/bare-xadd.ts) or
 * `koa-xadd` (the relay's Koa and @koa/router, peers/koa-xadd.ts).
 */
export async function startXaddPeer(
  ctx: BenchContext,
  peer: 'bare-xadd' | 'koa-xadd',
): Promise<{ proc: ClientProcess; port: number }> {
  const script = new URL(`../peers/${peer}.ts`, import.meta.url).pathname;
  const proc = await ClientProcess.start(peer, script);
  try {
    const { port } = await proc.call<BareXaddListening>(
      'listen',
      { redisUrl: ctx.redis.url, stream: peer === 'bare-xadd' ? BARE_XADD_KEY : KOA_XADD_KEY },
      10_000,
    );
    return { proc, port };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
