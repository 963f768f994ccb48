/**
 * The cheapest correct reader of an SSE response on a raw socket: HTTP status line and headers, then the body
 * (chunked or not), reporting the `id:` of each event frame as its blank line arrives. Named frames
 * (`event: reset`) and comments are reported apart. Input may be split anywhere.
 *
 * It reads bytes, not text: a line becomes a string only while it may still be an `id:` or `event:` line (its
 * first 7 bytes decide), so the `data:` lines, nearly all of the bytes, are only scanned for their newline. It
 * never keeps a reference to the buffer it is given, so the caller may read every socket into one buffer.
 */
export interface ScanHandlers {
  onHead(status: number): void;
  onEvent(id: number): void;
  onNamed(event: string): void;
}

/** Where the scanner is: headers, a chunk's size line, its data, the CRLF after it, or an unchunked body. */
const State = { Head: 0, Size: 1, Data: 2, DataEnd: 3, Plain: 4 } as const;

const LF = 10;
/** Bytes that decide whether a line is kept: `id: ` and `event: ` both fit. */
const PREFIX = 7;

function hexDigit(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

export class SseIdScanner {
  private state: number = State.Head;
  private head = '';
  /** The chunk size read so far, and whether its hex digits have ended (a `;` extension or CR follows). */
  private size = 0;
  private sizeDone = false;
  private remaining = 0;
  /** Bytes of `\r\n` still to skip after a chunk's data. */
  private skip = 0;
  /** The current line: its length in bytes, its text while it may be kept, and whether it still may be. */
  private lineBytes = 0;
  private lineText = '';
  private keep = true;
  private id: number | undefined;
  private event: string | undefined;

  constructor(private readonly handlers: ScanHandlers) {}

  /** Scans `buf[0, end)`. */
  push(buf: Buffer, end = buf.length): void {
    let at = 0;
    while (at < end) {
      switch (this.state) {
        case State.Head: {
          this.head += buf.toString('latin1', at, end);
          at = end;
          const stop = this.head.indexOf('\r\n\r\n');
          if (stop < 0) break;
          const rest = Buffer.from(this.head.slice(stop + 4), 'latin1');
          const head = this.head.slice(0, stop);
          this.head = '';
          this.handlers.onHead(Number(head.slice(9, 12)));
          this.state = /\r\ntransfer-encoding:\s*chunked/i.test(head) ? State.Size : State.Plain;
          this.push(rest);
          return;
        }
        case State.Size: {
          for (; at < end; at++) {
            const byte = buf[at] as number;
            if (byte === LF) break;
            const digit = this.sizeDone ? -1 : hexDigit(byte);
            if (digit < 0) this.sizeDone = true;
            else this.size = this.size * 16 + digit;
          }
          if (at === end) break;
          at += 1;
          this.remaining = this.size;
          this.size = 0;
          this.sizeDone = false;
          this.state = this.remaining > 0 ? State.Data : State.Plain; // 0: end of the body
          break;
        }
        case State.Data: {
          const stop = Math.min(end, at + this.remaining);
          this.body(buf, at, stop);
          this.remaining -= stop - at;
          at = stop;
          if (this.remaining === 0) {
            this.state = State.DataEnd;
            this.skip = 2;
          }
          break;
        }
        case State.DataEnd: {
          const n = Math.min(this.skip, end - at);
          this.skip -= n;
          at += n;
          if (this.skip === 0) this.state = State.Size;
          break;
        }
        case State.Plain:
          this.body(buf, at, end);
          at = end;
          break;
      }
    }
  }

  /** Body bytes `buf[from, to)`: split into lines, each ended by LF. */
  private body(buf: Buffer, from: number, to: number): void {
    let at = from;
    while (at < to) {
      const found = buf.indexOf(LF, at);
      const nl = found < 0 || found >= to ? -1 : found;
      this.partial(buf, at, nl < 0 ? to : nl);
      if (nl < 0) return;
      this.endLine();
      at = nl + 1;
    }
  }

  private partial(buf: Buffer, from: number, to: number): void {
    this.lineBytes += to - from;
    if (!this.keep || from === to) return;
    let at = from;
    if (this.lineText.length < PREFIX) {
      const cut = Math.min(to, at + PREFIX - this.lineText.length);
      this.lineText += buf.toString('latin1', at, cut);
      at = cut;
      if (this.lineText.length === PREFIX && !this.kept()) {
        this.keep = false;
        return;
      }
    }
    if (at < to) this.lineText += buf.toString('latin1', at, to);
  }

  private kept(): boolean {
    return this.lineText.startsWith('id: ') || this.lineText.startsWith('event: ');
  }

  private endLine(): void {
    if (this.lineBytes === 0) {
      if (this.event !== undefined) this.handlers.onNamed(this.event);
      else if (this.id !== undefined) this.handlers.onEvent(this.id);
      this.id = undefined;
      this.event = undefined;
    } else if (this.keep) {
      if (this.lineText.startsWith('id: ')) this.id = Number(this.lineText.slice(4));
      else if (this.lineText.startsWith('event: ')) this.event = this.lineText.slice(7);
    }
    this.lineBytes = 0;
    this.lineText = '';
    this.keep = true;
  }
}
