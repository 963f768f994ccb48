const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Frames written to many listeners: the bytes, and the same bytes framed once as an HTTP/1.1 chunk
 * (`<size hex>\r\n<bytes>\r\n`). Writing the ready-made chunk straight to each socket spares Node's chunked
 * encoding per listener (a size string, three buffers to one writev, a cork per socket): with thousands of
 * listeners that was most of the fan-out's CPU besides the system calls themselves.
 */
export class FanoutChunk {
  private framed: Buffer | undefined;

  constructor(readonly data: Buffer) {}

  /** `data` as one chunk of a chunked body, built on first use. */
  get chunked(): Buffer {
    this.framed ??= Buffer.concat([
      Buffer.from(`${this.data.length.toString(16)}\r\n`, 'latin1'),
      this.data,
      CRLF,
    ]);
    return this.framed;
  }
}
