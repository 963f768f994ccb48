/** Where and how a client process connects: loopback only. */
export interface SseTarget {
  readonly port: number;
  /** Path and query, e.g. `/api/events?domains=Feature`. */
  readonly path: string;
  readonly headers: Record<string, string>;
}

export const LOOPBACK = '127.0.0.1';
