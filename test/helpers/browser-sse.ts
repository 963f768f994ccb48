import { SseParser } from '../../src/cli/sse-parser.js';

export interface BrowserEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/**
 * A whole event stream read the way an EventSource reads it (HTML §9.2.6), by the project's one SSE parser
 * (src/cli/sse-parser.ts, tested against the standard on its own): the events dispatched, and the last event id
 * a reconnection would send.
 */
export function parseAsBrowser(stream: string): { events: BrowserEvent[]; lastEventId: string } {
  const parser = new SseParser();
  const events: BrowserEvent[] = [];
  for (const message of parser.push(stream)) {
    if (message.kind === 'event')
      events.push({ type: message.type, data: message.data, lastEventId: message.lastEventId });
  }
  return { events, lastEventId: parser.lastId };
}
