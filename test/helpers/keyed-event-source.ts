import { EventSource } from 'eventsource';
import { waitUntil } from './e2e-kit.js';
import { type Credentials, keyHeaders } from './test-relay.js';

/** One message as the `eventsource` package dispatched it: its type (`message`, `reset`…), id and data. */
export interface ReceivedMessage {
  readonly type: string;
  readonly id: string;
  readonly data: string;
}

/** One request the client made: the Last-Event-ID it carried, and its status or why it failed. */
export interface ConnectAttempt {
  readonly lastEventId: string | undefined;
  status: number | undefined;
  failure: string | undefined;
}

/**
 * The `eventsource` npm package (v4), used as a Node service would use it against the relay: the key's
 * `Izanami-Client-Id` / `Izanami-Client-Secret` headers added through its `fetch` option, and everything else
 * (reconnection, its delay, the `Last-Event-ID` header) left to the package. Records every message in the
 * order it was dispatched, every request (with the Last-Event-ID the package put on it) and every `error`
 * event.
 */
export class KeyedEventSource {
  readonly received: ReceivedMessage[] = [];
  readonly attempts: ConnectAttempt[] = [];
  readonly errors: { readonly code: number | undefined; readonly message: string | undefined }[] = [];
  private readonly source: EventSource;

  /** `eventTypes`: named events (`event: <type>`) to record besides plain messages. */
  constructor(url: string, creds: Credentials, eventTypes: readonly string[] = []) {
    this.source = new EventSource(url, {
      fetch: async (input, init) => {
        const attempt: ConnectAttempt = {
          lastEventId: init.headers['Last-Event-ID'],
          status: undefined,
          failure: undefined,
        };
        this.attempts.push(attempt);
        try {
          const res = await fetch(input, { ...init, headers: { ...init.headers, ...keyHeaders(creds) } });
          attempt.status = res.status;
          return res;
        } catch (err) {
          // recorded for the test's assertions, then handed back to the package, which schedules a reconnection
          attempt.failure = (err as Error).message;
          throw err;
        }
      },
    });
    const record = (event: MessageEvent) => {
      this.received.push({ type: event.type, id: event.lastEventId, data: String(event.data) });
    };
    this.source.addEventListener('message', record);
    for (const type of eventTypes) this.source.addEventListener(type, record);
    this.source.addEventListener('error', (event) => {
      this.errors.push({ code: event.code, message: event.message });
    });
  }

  /** 0 connecting, 1 open, 2 closed (given up for good, or closed here). */
  get readyState(): number {
    return this.source.readyState;
  }

  /** Plain messages (events) as `{id, data}` frames, in order of reception. */
  frames(): { id: string; data: string }[] {
    return this.received.filter((m) => m.type === 'message').map(({ id, data }) => ({ id, data }));
  }

  ids(): number[] {
    return this.frames().map((f) => Number(f.id));
  }

  /** Requests that the relay answered 200 (the connections the package opened). */
  opened(): ConnectAttempt[] {
    return this.attempts.filter((a) => a.status === 200);
  }

  waitFor(predicate: (client: this) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return waitUntil(() => predicate(this), what, timeoutMs);
  }

  close(): void {
    this.source.close();
  }
}
