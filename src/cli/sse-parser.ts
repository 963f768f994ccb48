/**
 * An incremental parser for `text/event-stream`, following the HTML specification's "interpreting an event
 * stream": lines end with CR, LF or CRLF (a CR at the end of one chunk and an LF at the start of the next are
 * one line end); `data` lines are joined with LF; `id` sets the last event id (kept across events, ignored if
 * it contains NUL); `retry` takes ASCII digits only; comments (`:`…) and unknown fields are ignored; a leading
 * BOM is skipped. Pure: feed it decoded text, it returns what the text completed.
 */

export interface SseEvent {
  readonly kind: 'event';
  /** The `event` field, or `message` when none was given. */
  readonly type: string;
  readonly data: string;
  /** The last event id at dispatch time (the stream's, not only this block's). */
  readonly lastEventId: string;
}

export interface SseRetry {
  readonly kind: 'retry';
  readonly ms: number;
}

export type SseMessage = SseEvent | SseRetry;

export class SseParser {
  private buffer = '';
  private started = false;
  /** The previous chunk ended with CR: an LF starting the next one belongs to that line end. */
  private pendingCr = false;
  private data: string[] = [];
  private eventType = '';
  /** The `id` of the block being read; it becomes the last event id when the block ends (HTML §9.2.6). */
  private idBuffer = '';
  private lastEventId = '';

  /** The last event id seen so far (what a reconnection sends as `Last-Event-Id`). */
  get lastId(): string {
    return this.lastEventId;
  }

  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (text === '') return [];
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    const out: SseMessage[] = [];
    let start = 0;
    const all = this.buffer + text;
    this.buffer = '';
    for (let i = 0; i < all.length; i++) {
      const c = all[i];
      if (c !== '\r' && c !== '\n') continue;
      this.line(all.slice(start, i), out);
      if (c === '\r') {
        if (i + 1 < all.length) {
          if (all[i + 1] === '\n') i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = all.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) out.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
        break;
    }
  }

  private dispatch(out: SseMessage[]): void {
    const data = this.data;
    const type = this.eventType;
    this.data = [];
    this.eventType = '';
    this.lastEventId = this.idBuffer;
    if (data.length === 0) return;
    out.push({
      kind: 'event',
      type: type === '' ? 'message' : type,
      data: data.join('\n'),
      lastEventId: this.lastEventId,
    });
  }
}
