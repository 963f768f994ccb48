import type { BenchEvent } from './events.js';
import type { RelayCredentials } from './relay-process.js';

export interface Published {
  readonly ids: number[];
}

/** `POST /api/events`: one event, or a commit when given several. Throws on anything but 201. */
export async function publish(
  baseUrl: string,
  admin: RelayCredentials,
  events: readonly BenchEvent[],
): Promise<Published> {
  const body = events.length === 1 ? events[0] : { author: { name: 'bench', email: '' }, events };
  const res = await fetch(`${baseUrl}/api/events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Izanami-Client-Id': admin.clientId,
      'Izanami-Client-Secret': admin.clientSecret,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`publish: HTTP ${res.status} ${text.slice(0, 300)}`);
  const stored = JSON.parse(text) as { events: { _id: number }[] };
  return { ids: stored.events.map((e) => e._id) };
}
