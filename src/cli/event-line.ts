/** How the tail prints things (pure). */

/** `<timestamp> <type> <key> <compact payload>`; anything that is not an event object is printed as JSON. */
export function eventLine(data: string): string {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch (err) {
    return `(not JSON: ${(err as Error).message}) ${data.replace(/\r?\n/g, ' ')}`;
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return JSON.stringify(event);
  const e = event as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
  return `${text(e.timestamp)} ${text(e.type)} ${text(e.key)} ${JSON.stringify(e.payload ?? null)}`;
}

/** The one-line notice for an `event: reset` frame. */
export function resetNotice(data: string): string {
  try {
    const r = JSON.parse(data) as { requested?: unknown; earliest?: unknown };
    return `reset: events after ${String(r.requested)} were trimmed; resuming from the oldest retained (${String(r.earliest)})`;
  } catch (err) {
    return `reset: ${data} (${(err as Error).message})`;
  }
}
