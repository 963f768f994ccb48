/** Commands of the ingest load process (clients/ingest-load.ts). */
export interface LoadArgs {
  /** The server under load, on loopback. */
  readonly port: number;
  readonly path: string;
  /** Sent with every request (credentials); Content-Type and Content-Length are added. */
  readonly headers: Record<string, string>;
  /** Request bodies, used in turn. */
  readonly bodies: string[];
  /** Events each request carries (1, or a commit's size): events/s = this × requests/s. */
  readonly eventsPerRequest: number;
  /** Requests in flight at once, each on its own keep-alive connection. */
  readonly concurrency: number;
  /** Bounds: no new request past `maxRequests` sent, nor after `durationMs`. */
  readonly maxRequests: number;
  readonly durationMs: number;
  /** The status that counts as success (201); anything else is an error. */
  readonly expectStatus: number;
}

export interface LoadResult {
  readonly requests: number;
  /** Requests answered with the expected status. */
  readonly ok: number;
  /** Requests answered otherwise, or failed (connection error, timeout). */
  readonly errors: number;
  readonly errorSamples: string[];
  /** First request sent → last answer read. */
  readonly ms: number;
  /** Successful requests per second, and events per second (× eventsPerRequest), over `ms`. */
  readonly requestRate: number;
  readonly eventRate: number;
  /** Latency of the successful requests, request sent → whole response read (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Bytes of the first body, and of the first response. */
  readonly bodyBytes: number;
  readonly responseBytes: number;
  /** The load process' own CPU time. */
  readonly cpuMs: number;
}
