/**
 * When the dispatcher acknowledges the entries it has handled. Each XACK is a write, and with the AOF fsynced on
 * every write an acknowledgement per read was a second fsync per event at a low publish rate; so handled
 * entries wait, and are acknowledged together with a later read.
 */

/** Handled entries are acknowledged at most this long after the oldest of them was handled... */
export const ACK_EVERY_MS = 1000;
/** ... or as soon as this many are waiting. */
export const ACK_BATCH = 1000;

/**
 * The longest wait for a dispatcher whose entries are claimed by another after `claimIdleMs`: a quarter of it,
 * so that a live dispatcher's entries are acknowledged well before they could be claimed.
 */
export function ackEveryMs(claimIdleMs: number): number {
  return Math.max(1, Math.min(ACK_EVERY_MS, Math.floor(claimIdleMs / 4)));
}

/** Whether the `waiting` entries, the oldest handled `waitedMs` ago, are acknowledged with the next read. */
export function ackDue(waiting: number, waitedMs: number, everyMs: number): boolean {
  return waiting >= ACK_BATCH || (waiting > 0 && waitedMs >= everyMs);
}

/** How long the next read may block: `blockMs`, but no longer than until the waiting entries fall due. */
export function readBlockMs(blockMs: number, waiting: number, waitedMs: number, everyMs: number): number {
  if (waiting === 0) return blockMs;
  return Math.max(1, Math.min(blockMs, everyMs - waitedMs));
}
