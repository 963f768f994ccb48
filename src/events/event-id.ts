/**
 * Event ids. Every event is one entry of the Redis stream; its entry id `ms-seq` (seq ≤ 999: the append script
 * keeps it so, and a bare XADD that gets more withdraws its entry) maps one-to-one to the public
 * `_id = ms × 1000 + seq`, a safe JSON integer.
 */
export const MAX_SEQ = 999;

export interface StreamId {
  readonly ms: number;
  readonly seq: number;
}

const PUBLIC_ID = /^\d{1,16}$/;

/** The position of the `-` of `<1-15 digits>-<1-3 digits>`, or -1 (checked without a RegExp: it is hot). */
function dashOf(entryId: string): number {
  const n = entryId.length;
  let dash = -1;
  for (let i = 0; i < n; i++) {
    const c = entryId.charCodeAt(i);
    if (c === 45 && dash < 0) dash = i;
    else if (c < 48 || c > 57) return -1;
  }
  return dash >= 1 && dash <= 15 && n - dash - 1 >= 1 && n - dash - 1 <= 3 ? dash : -1;
}

export function parseStreamId(entryId: string): StreamId {
  const dash = typeof entryId === 'string' ? dashOf(entryId) : -1;
  if (dash < 0) throw new RangeError(`not a relay stream id: ${entryId}`);
  const ms = Number(entryId.slice(0, dash));
  const seq = Number(entryId.slice(dash + 1));
  if (seq > MAX_SEQ) throw new RangeError(`stream id sequence above ${MAX_SEQ}: ${entryId}`);
  if (!Number.isSafeInteger(ms * 1000 + seq)) throw new RangeError(`stream id beyond a safe _id: ${entryId}`);
  return { ms, seq };
}

/**
 * Whether a stream entry id is one the relay never keeps: a sequence above 999. Only a bare `XADD *` (see
 * append-upkeep.ts) can get one, after ms-999; its appender deletes it at once and appends the event again
 * through the script, and every reader skips it meanwhile. Ids that are not stream ids at all are not
 * "withdrawn": `parseStreamId` rejects those.
 */
export function isWithdrawnId(entryId: string): boolean {
  const dash = entryId.indexOf('-');
  return dash > 0 && entryId.length - dash - 1 > 3 && /^\d+-\d+$/.test(entryId);
}

export function toPublicId(entryId: string): number {
  const { ms, seq } = parseStreamId(entryId);
  return ms * 1000 + seq;
}

export function toStreamId(publicId: number): string {
  if (!Number.isSafeInteger(publicId) || publicId < 0) throw new RangeError(`not an event id: ${publicId}`);
  return `${Math.floor(publicId / 1000)}-${publicId % 1000}`;
}

/**
 * Parses a client-supplied event id (`Last-Event-Id`, `lastEventId`): decimal digits only, a safe integer.
 * Returns undefined for anything else, a raw `ms-seq` stream id included.
 */
export function parsePublicId(text: string): number | undefined {
  if (!PUBLIC_ID.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** `ms` and `seq` of a withdrawn id (see `isWithdrawnId`) or of a relay stream id. */
function orderOf(entryId: string): StreamId {
  if (!isWithdrawnId(entryId)) return parseStreamId(entryId);
  const dash = entryId.indexOf('-');
  return { ms: Number(entryId.slice(0, dash)), seq: Number(entryId.slice(dash + 1)) };
}

/** Orders two stream entry ids numerically (never as strings); a withdrawn id has its place too. */
export function compareStreamIds(a: string, b: string): number {
  const x = orderOf(a);
  const y = orderOf(b);
  return x.ms - y.ms || x.seq - y.seq;
}
