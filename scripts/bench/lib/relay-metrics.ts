/** A few gauges of the relay's own `/metrics` (Prometheus text), read without a client library. */
export interface RelayGauges {
  readonly sseClients: number;
  /** V8 heap in use (prom-client default metric). */
  readonly heapUsedBytes: number;
}

function sample(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

export async function relayGauges(baseUrl: string): Promise<RelayGauges> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return {
    sseClients: sample(text, 'relay_sse_clients'),
    heapUsedBytes: sample(text, 'relay_nodejs_heap_size_used_bytes'),
  };
}
