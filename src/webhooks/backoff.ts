/**
 * When to try a failed delivery again (CONTRACT.md, Delivery guarantees: exponential backoff and jitter, honour
 * `Retry-After`). Pure: the random source and the clock are passed in.
 */

/** No computed backoff waits longer than this (1 h), however many attempts were made. */
export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** A receiver's `Retry-After` is obeyed up to this (1 h): a job is not parked for days on one header. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Past this many doublings the delay is at the cap anyway; stopping here keeps the arithmetic finite. */
const MAX_DOUBLINGS = 40;

/**
 * The delay before the next attempt, in whole milliseconds.
 *
 * Without `retryAfterMs`: exponential backoff `baseMs × 2^(attemptsMade − 1)`, capped at MAX_BACKOFF_MS, with
 * "equal jitter": half of that delay is fixed and the other half is scaled by `random()`, so retries of many
 * deliveries that failed together spread out while none comes back sooner than half its step.
 * `attemptsMade` counts the attempts already made (1 after the first failure, as BullMQ passes it); values
 * below 1 count as 1.
 *
 * With `retryAfterMs` (the receiver's `Retry-After`, see parseRetryAfter): exactly that, clamped to
 * [0, MAX_RETRY_AFTER_MS] and without jitter — the receiver named the time. A NaN is ignored.
 *
 * @param random a source in [0, 1) such as Math.random; values outside are clamped into it.
 */
export function retryDelayMs(
  attemptsMade: number,
  baseMs: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined && !Number.isNaN(retryAfterMs)) {
    return Math.round(Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS));
  }
  if (!(baseMs > 0)) return 0;
  const attempt = Number.isFinite(attemptsMade) ? Math.max(1, Math.floor(attemptsMade)) : 1;
  const step = Math.min(baseMs * 2 ** Math.min(attempt - 1, MAX_DOUBLINGS), MAX_BACKOFF_MS);
  const r = random();
  const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.round(step / 2 + (step / 2) * jitter);
}

const DELTA_SECONDS = /^\d+$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG_DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAY = `(${DAY_NAMES.join('|')})`;
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** IMF-fixdate, the preferred form: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(${LONG_DAY_NAMES.join('|')}), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** Obsolete asctime form: `Sun Nov  6 08:49:37 1994` (a one-digit day is padded with a space). */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** UTC milliseconds of a calendar date and time, or undefined when a field is out of range (31 Feb, 25:00). */
function utc(year: number, month: number, day: number, h: number, m: number, s: number): number | undefined {
  if (month < 0 || h > 23 || m > 59 || s > 60) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) {
    return undefined;
  }
  // A leap second (:60) is accepted and read as the first second of the next minute.
  return date.getTime() + ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * An HTTP-date (RFC 9110 §5.6.7) in any of its three forms to UTC milliseconds, or undefined. The day name is
 * required to be a real one but not checked against the date, as recipients are told to be lenient there.
 */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) {
    const [, , day, , year, h, min, s] = m.map(Number);
    return utc(year!, MONTHS.indexOf(m[3]!), day!, h!, min!, s!);
  }
  m = RFC850_DATE.exec(text);
  if (m) {
    const [, , day, , yy, h, min, s] = m.map(Number);
    // A two-digit year more than 50 years ahead is the most recent past year with those digits (§5.6.7).
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + yy!;
    if (year > nowYear + 50) year -= 100;
    return utc(year, MONTHS.indexOf(m[3]!), day!, h!, min!, s!);
  }
  m = ASCTIME_DATE.exec(text);
  if (m) {
    const [, , , day, h, min, s, year] = m.map(Number);
    return utc(year!, MONTHS.indexOf(m[2]!), day!, h!, min!, s!);
  }
  return undefined;
}

/**
 * A `Retry-After` header (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delta-seconds (`120`) or an
 * HTTP-date, a date in the past giving 0. Absent, empty or malformed (negative, fractional, any other date
 * format): undefined, and the normal backoff applies. Surrounding whitespace is ignored. Not capped here:
 * retryDelayMs caps.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text.length === 0) return undefined;
  if (DELTA_SECONDS.test(text)) {
    // A value too large to represent is read as the largest one (§10.2.3 points to §1.3's rule); capped later.
    return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  }
  const at = parseHttpDate(text, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}
