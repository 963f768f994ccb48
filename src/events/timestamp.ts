/** The last millisecond formatted: a commit's events, and a burst's, mostly share theirs. */
let lastMs = Number.NaN;
let lastText = '';

/** Izanami's timestamp: UTC, ISO local date-time with milliseconds and no offset (`2026-11-24T11:01:00.469`). */
export function formatTimestamp(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().slice(0, 23);
    lastMs = ms;
  }
  return lastText;
}
