/**
 * The cheapest correct reader of an SSE response on a raw socket: HTTP status line and headers, then the body
 * (chunked or not), reporting the `id:` of each event frame as its blank line arrives. Named frames
 * (`event: reset`) and comments are reported apart. Input may be split anywhere.
 */
export interface ScanHandlers {
  onHead(status: number): void;
  onEvent(id: number): void;
  onNamed(event: string): void;
}

/** Where the scanner is: headers, a chunk's size line, its data, the CRLF after it, or an unchunked body. */
const State = { Head: 0, Size: 1, Data: 2, DataEnd: 3, Plain: 4 } as const;

export class SseIdScanner {
  private state: number = State.Head;
  private head = '';
  private sizeLine = '';
  private remaining = 0;
  /** Bytes of `\r\n` still to skip after a chunk's data. */
  private skip = 0;
  private line = '';
  private id: number | undefined;
  private event: string | undefined;

  constructor(private readonly handlers: ScanHandlers) {}

  push(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      switch (this.state) {
        case State.Head: {
          this.head += buf.toString('latin1', at, buf.length);
          at = buf.length;
          const end = this.head.indexOf('\r\n\r\n');
          if (end < 0) break;
          const rest = Buffer.from(this.head.slice(end + 4), 'latin1');
          const head = this.head.slice(0, end);
          this.head = '';
          this.handlers.onHead(Number(head.slice(9, 12)));
          this.state = /\r\ntransfer-encoding:\s*chunked/i.test(head) ? State.Size : State.Plain;
          this.push(rest);
          return;
        }
        case State.Size: {
          const nl = buf.indexOf(10, at);
          if (nl < 0) {
            this.sizeLine += buf.toString('latin1', at, buf.length);
            at = buf.length;
            break;
          }
          this.sizeLine += buf.toString('latin1', at, nl);
          at = nl + 1;
          this.remaining = Number.parseInt(this.sizeLine.trim(), 16);
          this.sizeLine = '';
          this.state = this.remaining > 0 ? State.Data : State.Plain; // 0: end of the body
          break;
        }
        case State.Data: {
          const end = Math.min(buf.length, at + this.remaining);
          this.text(buf.toString('latin1', at, end));
          this.remaining -= end - at;
          at = end;
          if (this.remaining === 0) {
            this.state = State.DataEnd;
            this.skip = 2;
          }
          break;
        }
        case State.DataEnd: {
          const n = Math.min(this.skip, buf.length - at);
          this.skip -= n;
          at += n;
          if (this.skip === 0) this.state = State.Size;
          break;
        }
        case State.Plain:
          this.text(buf.toString('latin1', at, buf.length));
          at = buf.length;
          break;
      }
    }
  }

  private text(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        this.line += chunk.slice(start);
        return;
      }
      const line = this.line + chunk.slice(start, nl);
      this.line = '';
      start = nl + 1;
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line === '') {
      if (this.event !== undefined) this.handlers.onNamed(this.event);
      else if (this.id !== undefined) this.handlers.onEvent(this.id);
      this.id = undefined;
      this.event = undefined;
    } else if (line.startsWith('id: ')) this.id = Number(line.slice(4));
    else if (line.startsWith('event: ')) this.event = line.slice(7);
  }
}
