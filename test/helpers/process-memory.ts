import { metricValue } from './relay-checks.js';

export interface MemorySample {
  /** ms since the start of the run. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/**
 * Resident set size and V8 heap in use of a relay or worker process, read from its own `/metrics` (the Node
 * process metrics every role exposes), so the figure is the process' view, GC included.
 */
export async function readMemory(baseUrl: string, t = 0): Promise<MemorySample> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  const rss = metricValue(text, 'relay_process_resident_memory_bytes');
  const heapUsed = metricValue(text, 'relay_nodejs_heap_size_used_bytes');
  if (rss === undefined || heapUsed === undefined)
    throw new Error(`${baseUrl}/metrics has no memory figures`);
  return { t, rss, heapUsed };
}

/** Least-squares slope of `y` over `x` (units of y per unit of x); 0 with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
