import type {
  CollectResult,
  FanoutCloseResult,
  FanoutOpenResult,
  PublishedEvent,
} from '../clients/fanout-sse-api.js';
import { ClientProcess } from './client-process.js';
import { type LatencySummary, summarize } from './latency-histogram.js';
import { cpuSeconds } from './proc-stats.js';

/** Where a fleet connects: a port on loopback, request headers, and the paths its connections spread over. */
export interface FanoutTarget {
  readonly port: number;
  readonly headers: Record<string, string>;
  readonly paths: string[];
}

export interface FleetCollect {
  readonly connections: number;
  readonly dropped: number;
  readonly expected: number;
  readonly delivered: number;
  readonly lost: number;
  readonly disordered: number;
  readonly unexpected: number;
  readonly named: number;
  readonly latency: LatencySummary;
  /** Last receipt of any event in any process (wall-clock ms). */
  readonly lastAt: number;
  /** CPU of the client processes since the reset, in seconds. */
  readonly clientCpuS: number;
}

/** Fan-out SSE connections (clients/fanout-sse.ts) spread over several processes, driven together. */
export class FanoutFleet {
  private opened = 0;

  private constructor(private readonly procs: ClientProcess[]) {}

  static async start(script: string, processes: number): Promise<FanoutFleet> {
    const procs = await Promise.all(
      Array.from({ length: processes }, (_, i) => ClientProcess.start(`fanout-sse#${i + 1}`, script)),
    );
    return new FanoutFleet(procs);
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  cpuSeconds(): number {
    return this.pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  }

  /** Opens `total` more connections, split evenly over the processes, numbered on from those already open. */
  async open(target: FanoutTarget, total: number, timeoutMs: number): Promise<FanoutOpenResult> {
    const n = this.procs.length;
    const shares = this.procs.map((_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
    let first = this.opened;
    const calls = this.procs.map((p, i) => {
      const args = {
        port: target.port,
        headers: target.headers,
        paths: target.paths,
        first,
        count: shares[i] as number,
        concurrency: 64,
        timeoutMs: Math.min(timeoutMs, 30_000),
      };
      first += args.count;
      return p.call<FanoutOpenResult>('open', args, timeoutMs);
    });
    this.opened = first;
    const results = await Promise.all(calls);
    return {
      opened: sum(results.map((r) => r.opened)),
      failed: sum(results.map((r) => r.failed)),
      open: sum(results.map((r) => r.open)),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  async reset(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.call('reset', {}, 10_000)));
  }

  /** Waits (bounded) until every connection has its events, then merges what the processes saw. */
  async collect(published: PublishedEvent[], groups: number, timeoutMs: number): Promise<FleetCollect> {
    const results = await Promise.all(
      this.procs.map((p) =>
        p.call<CollectResult>('collect', { published, groups, timeoutMs }, timeoutMs + 30_000),
      ),
    );
    const total = (pick: (r: CollectResult) => number) => sum(results.map(pick));
    const max = Math.max(...results.map((r) => (Number.isNaN(r.maxMs) ? Number.NEGATIVE_INFINITY : r.maxMs)));
    const expected = total((r) => r.expected);
    const delivered = total((r) => r.delivered);
    return {
      connections: total((r) => r.connections),
      dropped: total((r) => r.dropped),
      expected,
      delivered,
      lost: expected - delivered,
      disordered: total((r) => r.disordered),
      unexpected: total((r) => r.unexpected),
      named: total((r) => r.named),
      latency: summarize(
        results.map((r) => r.histogram),
        max,
      ),
      lastAt: Math.max(...results.map((r) => r.lastAt)),
      clientCpuS: total((r) => r.cpuMs) / 1000,
    };
  }

  async close(): Promise<number> {
    const closed = await Promise.all(this.procs.map((p) => p.call<FanoutCloseResult>('close', {}, 30_000)));
    this.opened = 0;
    return sum(closed.map((c) => c.closed));
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
