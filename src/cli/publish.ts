import { authHeaders, type ConnectionOptions } from './connection-options.js';

export interface PublishIo {
  out(line: string): void;
  err(line: string): void;
}

export interface PublishRequest {
  readonly connection: ConnectionOptions;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
  readonly json: boolean;
}

/**
 * POSTs one event or a commit to `/api/events`. Prints the stored events' `_id`s one per line (or the
 * response JSON with `json`). Returns the exit code: 0 on 201, 1 on any error (its code and message printed).
 */
export async function runPublish(r: PublishRequest, io: PublishIo): Promise<number> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...authHeaders(r.connection),
  };
  if (r.idempotencyKey !== undefined) headers['Idempotency-Key'] = r.idempotencyKey;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${r.connection.url}/api/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify(r.body),
    });
    text = await res.text();
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    io.err(`publish: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`);
    return 1;
  }
  if (res.status === 201) {
    if (r.json) {
      io.out(text);
    } else {
      const stored = JSON.parse(text) as { events: Array<{ _id: number }> };
      for (const e of stored.events) io.out(String(e._id));
      if (res.headers.get('idempotent-replayed') === 'true')
        io.err('publish: idempotent replay (nothing appended)');
    }
    return 0;
  }
  io.err(`publish: HTTP ${res.status} ${errorSummary(text)}`);
  if (r.json) io.out(text);
  return 1;
}

/** `CODE: message` and each detail from the relay's error body, or the raw text. */
export function errorSummary(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `${text.trim()} (${(err as Error).message})`;
  }
  const e = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (!e || typeof e !== 'object') return text.trim();
  const lines = [`${String(e.code)}: ${String(e.message)}`];
  if (Array.isArray(e.details)) {
    for (const d of e.details as Array<{ path?: unknown; message?: unknown }>) {
      lines.push(`  ${String(d.path)}: ${String(d.message)}`);
    }
  }
  return lines.join('\n');
}
