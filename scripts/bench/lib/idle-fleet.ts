import type { DeliveryResult, OpenResult } from '../clients/idle-sse-api.js';
import type { SseTarget } from '../clients/sse-target.js';
import { ClientProcess } from './client-process.js';

export interface FleetDelivery {
  readonly connections: number;
  readonly dropped: number;
  readonly complete: number;
  readonly expected: number;
  readonly delivered: number;
  readonly disordered: number;
  readonly unexpected: number;
  /** Per probe id: connections that received it, and its last receipt (wall-clock ms) in any process. */
  readonly receipts: Map<number, { count: number; first: number; last: number }>;
}

/** SSE connections spread over several client processes, driven together. */
export class IdleFleet {
  private constructor(private readonly procs: ClientProcess[]) {}

  static async start(script: string, processes: number): Promise<IdleFleet> {
    const procs = await Promise.all(
      Array.from({ length: processes }, (_, i) => ClientProcess.start(`idle-sse#${i + 1}`, script)),
    );
    return new IdleFleet(procs);
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  /** Opens `total` more connections, split evenly over the processes. */
  async open(target: SseTarget, total: number, timeoutMs: number): Promise<OpenResult> {
    const shares = this.procs.map(
      (_, i) => Math.floor(total / this.procs.length) + (i < total % this.procs.length ? 1 : 0),
    );
    const results = await Promise.all(
      this.procs.map((p, i) =>
        p.call<OpenResult>(
          'open',
          { target, count: shares[i], concurrency: 64, timeoutMs: Math.min(timeoutMs, 30_000) },
          timeoutMs,
        ),
      ),
    );
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

  /** Waits (bounded) until every connection has the given ids, then sums what each process saw. */
  async delivery(ids: number[], timeoutMs: number): Promise<FleetDelivery> {
    const results = await Promise.all(
      this.procs.map((p) => p.call<DeliveryResult>('delivery', { ids, timeoutMs }, timeoutMs + 10_000)),
    );
    const receipts = new Map<number, { count: number; first: number; last: number }>();
    for (const r of results.flatMap((x) => x.receipts)) {
      const seen = receipts.get(r.id);
      if (!seen) receipts.set(r.id, { count: r.count, first: r.first, last: r.last });
      else {
        seen.count += r.count;
        seen.first = Math.min(seen.first, r.first);
        seen.last = Math.max(seen.last, r.last);
      }
    }
    const total = (pick: (r: DeliveryResult) => number) => sum(results.map(pick));
    return {
      connections: total((r) => r.connections),
      dropped: total((r) => r.dropped),
      complete: total((r) => r.complete),
      expected: total((r) => r.expected),
      delivered: total((r) => r.delivered),
      disordered: total((r) => r.disordered),
      unexpected: total((r) => r.unexpected),
      receipts,
    };
  }

  async close(): Promise<number> {
    const closed = await Promise.all(this.procs.map((p) => p.call<{ closed: number }>('close', {}, 30_000)));
    return sum(closed.map((c) => c.closed));
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
