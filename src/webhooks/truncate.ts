/**
 * Response bodies as the delivery log keeps them (CONTRACT.md, Delivery guarantees: "truncated response"): at
 * most a given number of UTF-8 bytes, cut on a character boundary, with a marker saying how much was cut.
 */

export interface TruncatedBody {
  /** The kept text, followed by the marker when anything was cut. */
  readonly text: string;
  /** UTF-8 bytes of the body that were kept (the marker not counted); at most maxBytes. */
  readonly keptBytes: number;
  /** UTF-8 bytes of the body that were cut; 0 when it fitted. */
  readonly cutBytes: number;
}

/** What follows a cut body: `…[truncated 1234 bytes]`. */
export function truncationMarker(cutBytes: number): string {
  return `…[truncated ${cutBytes} bytes]`;
}

/** A UTF-8 continuation byte (10xxxxxx): never the first byte of a character. */
function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/**
 * Where to cut `bytes` so that at most `max` bytes remain and no character is split: back from `max` over
 * continuation bytes to the start of the character that `max` falls in. A character is at most 4 bytes, so
 * at most 3 are skipped; in bytes that are not UTF-8 the cut is made at `max` minus 3 at worst.
 */
function cutPoint(bytes: Uint8Array, max: number): number {
  let at = max;
  while (at > 0 && max - at < 3 && isContinuation(bytes[at] as number)) at--;
  return isContinuation(bytes[at] as number) ? max : at;
}

/**
 * Keeps at most `maxBytes` UTF-8 bytes of a response body, never splitting a character, and appends
 * truncationMarker when anything was cut; the marker comes on top of `maxBytes`. A body given as bytes is
 * decoded as UTF-8, invalid sequences becoming U+FFFD, so `keptBytes` and `cutBytes` count the bytes received;
 * a string is measured as it encodes (a lone surrogate as the 3 bytes of U+FFFD). Throws a RangeError when
 * `maxBytes` is negative or not an integer.
 */
export function truncateBody(body: string | Uint8Array, maxBytes: number): TruncatedBody {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  if (typeof body === 'string') return truncateString(body, maxBytes);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length <= maxBytes) return { text: bytes.toString('utf8'), keptBytes: bytes.length, cutBytes: 0 };
  const kept = cutPoint(bytes, maxBytes);
  const cut = bytes.length - kept;
  return { text: bytes.toString('utf8', 0, kept) + truncationMarker(cut), keptBytes: kept, cutBytes: cut };
}

/**
 * The same for a string, encoding only the prefix that can be kept: each UTF-16 unit takes at least one byte,
 * so the first `maxBytes + 1` units hold every byte up to the cut.
 */
function truncateString(body: string, maxBytes: number): TruncatedBody {
  const total = Buffer.byteLength(body, 'utf8');
  if (total <= maxBytes) return { text: body, keptBytes: total, cutBytes: 0 };
  const prefix = Buffer.from(body.slice(0, maxBytes + 1), 'utf8');
  const kept = cutPoint(prefix, maxBytes);
  const cut = total - kept;
  return { text: prefix.toString('utf8', 0, kept) + truncationMarker(cut), keptBytes: kept, cutBytes: cut };
}
