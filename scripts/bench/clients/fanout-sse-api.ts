/** Commands of the fan-out client process (clients/fanout-sse.ts). */
export interface FanoutOpenArgs {
  readonly port: number;
  readonly headers: Record<string, string>;
  /** Connection number g (counted over every process) uses `paths[g % paths.length]` and is of that group. */
  readonly paths: string[];
  /** Global number of this call's first connection. */
  readonly first: number;
  readonly count: number;
  /** Connection attempts in flight at once. */
  readonly concurrency: number;
  readonly timeoutMs: number;
}

export interface FanoutOpenResult {
  readonly opened: number;
  readonly failed: number;
  /** Connections open now (all calls together). */
  readonly open: number;
  readonly errors: string[];
  readonly ms: number;
}

/** One published event: its id, when its publisher sent it (wall-clock ms), and the group it matches. */
export interface PublishedEvent {
  readonly id: number;
  readonly sentAt: number;
  /** Connections of group `group % paths.length` match it; every connection when there is one path. */
  readonly group: number;
}

export interface CollectArgs {
  readonly published: PublishedEvent[];
  /** How many groups (paths) the connections are spread over. */
  readonly groups: number;
  /** Waits at most this long for every open connection to have all its events. */
  readonly timeoutMs: number;
}

export interface CollectResult {
  /** Connections open when the check ended. */
  readonly connections: number;
  /** Connections closed by the server or an error since they opened. */
  readonly dropped: number;
  readonly expected: number;
  /** Expected (connection, event) pairs received, each counted once. */
  readonly delivered: number;
  /** Frames whose id was not above the connection's previous one (duplicate or out of order). */
  readonly disordered: number;
  /** Event frames a connection should not have had (not published in this step, or not its group). */
  readonly unexpected: number;
  /** Named frames (`event: reset`): none expected. */
  readonly named: number;
  /** Sparse latency histogram (lib/latency-histogram.ts) of publish → receive per (connection, event). */
  readonly histogram: [number, number][];
  readonly maxMs: number;
  /** Last receipt of any event (wall-clock ms). */
  readonly lastAt: number;
  readonly waitedMs: number;
  /** CPU this process used since the last reset. */
  readonly cpuMs: number;
}

export interface FanoutCloseResult {
  readonly closed: number;
}
