/**
 * Latencies kept as counts per 0.05 ms bucket (sparse), so that millions of (client, event) receipts from
 * several processes merge exactly into one distribution without shipping every sample over IPC.
 */
const BUCKET_MS = 0.05;

/** `[bucket, count]` pairs; bucket × 0.05 ms is the lower edge. */
export type Histogram = [number, number][];

export class LatencyRecorder {
  private readonly counts = new Map<number, number>();
  count = 0;
  max = Number.NEGATIVE_INFINITY;
  min = Number.POSITIVE_INFINITY;

  add(ms: number): void {
    const bucket = Math.max(0, Math.floor(ms / BUCKET_MS));
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count += 1;
    if (ms > this.max) this.max = ms;
    if (ms < this.min) this.min = ms;
  }

  histogram(): Histogram {
    return [...this.counts];
  }
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Merges histograms and reads p50/p99 (upper bucket edge, nearest rank); `max` is the exact largest sample. */
export function summarize(histograms: readonly Histogram[], max: number): LatencySummary {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [b, c] of h) merged.set(b, (merged.get(b) ?? 0) + c);
  const buckets = [...merged].sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((n, [, c]) => n + c, 0);
  const at = (p: number) => {
    if (count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    let seen = 0;
    for (const [b, c] of buckets) {
      seen += c;
      if (seen >= rank) return Math.min((b + 1) * BUCKET_MS, max);
    }
    return max;
  };
  return { count, p50: at(50), p99: at(99), max: count === 0 ? Number.NaN : max };
}
