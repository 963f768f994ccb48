import { request } from 'node:http';

export interface SseFrame {
  readonly event: string | undefined;
  readonly id: string | undefined;
  readonly data: string;
}

export interface SseConnection {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Every frame received so far (comments excluded). */
  readonly frames: SseFrame[];
  /** Count of comment lines (`: keep-alive`). */
  readonly comments: string[];
  /** The events' parsed JSON, in order (frames without `event:`). */
  events(): Array<Record<string, unknown> & { _id: number }>;
  /** The body, if the response was not a stream (errors). */
  body(): string;
  /** Resolves once `predicate` holds (checked on every frame), rejects after `timeoutMs`. */
  waitFor(predicate: (c: SseConnection) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * A minimal SSE client over node:http that parses frames as a browser would (CR, LF and CRLF line ends,
 * `data:` lines joined with LF). Used to assert on exact frames; real clients are tested elsewhere.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } });
    req.once('error', reject);
    req.once('response', (res) => {
      const frames: SseFrame[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      let event: string | undefined;
      let id: string | undefined;
      let data: string[] = [];
      const notify = () => {
        for (const w of [...waiters]) w();
      };
      const onLine = (line: string) => {
        if (line === '') {
          if (data.length > 0 || event !== undefined) frames.push({ event, id, data: data.join('\n') });
          event = undefined;
          id = undefined;
          data = [];
          return;
        }
        if (line.startsWith(':')) {
          comments.push(line.slice(1).trim());
          return;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk.length < 65536 && raw.length < 65536 ? chunk : '';
        buffer += chunk;
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? '';
        for (const line of lines) onLine(line);
        notify();
      });
      const ended = new Promise<void>((r) => {
        res.once('end', r);
        res.once('close', r);
        res.once('error', () => r());
      });
      void ended.then(notify);
      let closed = false;
      const conn: SseConnection = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        comments,
        events: () =>
          frames
            .filter((f) => f.event === undefined)
            .map((f) => JSON.parse(f.data) as ReturnType<SseConnection['events']>[number]),
        body: () => raw,
        ended,
        waitFor: (predicate, timeoutMs = 10_000) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (predicate(conn)) {
                waiters.delete(check);
                clearTimeout(timer);
                ok();
              } else if (closed || res.complete || res.destroyed) {
                // give a last check on end, then fail fast
                waiters.delete(check);
                clearTimeout(timer);
                if (predicate(conn)) ok();
                else fail(new Error(`SSE stream ended before the condition held (${frames.length} frames)`));
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`timed out after ${timeoutMs} ms with ${frames.length} frames`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () => {
          closed = true;
          req.destroy();
          res.destroy();
        },
      };
      resolve(conn);
    });
    req.end();
  });
}
