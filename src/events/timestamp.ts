/** Izanami's timestamp: UTC, ISO local date-time with milliseconds and no offset (`2026-11-24T11:01:00.469`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}
