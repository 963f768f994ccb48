/** One server-sent event frame (the relay ends lines with LF only). */
export interface SseFrame {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
  /** A frame of comment lines only (`: keep-alive`). */
  readonly comment: boolean;
}

/** Splits a text/event-stream into frames as chunks arrive; a frame may span chunks. */
export class SseParser {
  private pending = '';

  constructor(private readonly onFrame: (frame: SseFrame) => void) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n\n', start);
      if (end < 0) break;
      this.onFrame(parseFrame(text.slice(start, end)));
      start = end + 2;
    }
    this.pending = text.slice(start);
  }
}

export function parseFrame(block: string): SseFrame {
  let id: string | undefined;
  let event: string | undefined;
  let data: string | undefined;
  let comment = true;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    comment = false;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return { id, event, data: data ?? '', comment };
}
