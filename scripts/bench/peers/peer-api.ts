/** Commands of the peer processes (peers/naive-relay.ts, peers/raw-fanout.ts). */
export interface PeerListening {
  readonly port: number;
}

export interface PeerStats {
  /** SSE responses open now. */
  readonly clients: number;
  /** Redis connections the peer holds (naive relay: one per client). */
  readonly redisConnections: number;
}

export interface RawRunArgs {
  /** Ids given to the frames: first, first + 1, … */
  readonly firstId: number;
  readonly count: number;
  /** Paced: frame i is written at start + i × intervalMs; 0: back to back (a burst). */
  readonly intervalMs: number;
  /**
   * `res.write` of the frame (Node frames each write as a chunk), or `socket.write` of the frame made into a
   * chunk once (what the relay's hub does).
   */
  readonly method: 'res.write' | 'socket.write';
}

export interface RawRunResult {
  /** Per frame: its id and when its write loop started (wall-clock ms). */
  readonly ids: number[];
  readonly sentAt: number[];
  /** Time spent in the write loops (every socket written once per frame), in ms. */
  readonly writeMs: number;
  readonly writes: number;
  readonly frameBytes: number;
}
