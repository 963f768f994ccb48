import { type ClientRequest, request } from 'node:http';
import { SseParser } from '../../../src/cli/sse-parser.js';
import { type Credentials, keyHeaders } from '../../../test/helpers/test-relay.js';

/**
 * An SSE listener for long runs: it keeps counts, not frames (a soak would otherwise hold every event of every
 * listener), resumes with Last-Event-Id whenever its stream ends or when told to, as a browser EventSource does,
 * and notes every id that is not above the one before (a duplicate or a reordering).
 */
export class CountingListener {
  received = 0;
  notIncreasing = 0;
  lastId = 0;
  connections = 0;
  readonly errors: string[] = [];
  private req: ClientRequest | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly creds: Credentials,
  ) {}

  /** Opens a connection (resuming after the last id received); resolves once the relay answered 200. */
  connect(): Promise<void> {
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...keyHeaders(this.creds) };
    if (this.lastId > 0) headers['Last-Event-Id'] = String(this.lastId);
    return new Promise((resolve, reject) => {
      const req = request(this.url, { headers });
      this.req = req;
      req.once('error', (err) => {
        if (req !== this.req) return;
        this.errors.push(`connection: ${err.message}`);
        reject(err);
        this.resumeSoon(req);
      });
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          this.errors.push(`status ${res.statusCode}`);
          res.resume();
          reject(new Error(`SSE answered ${res.statusCode}`));
          this.resumeSoon(req);
          return;
        }
        this.connections += 1;
        resolve();
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const message of parser.push(chunk)) {
            if (message.kind !== 'event' || message.type !== 'message') continue;
            const id = Number(message.lastEventId);
            this.received += 1;
            if (id <= this.lastId) this.notIncreasing += 1;
            else this.lastId = id;
          }
        });
        res.once('close', () => this.resumeSoon(req));
      });
      req.end();
    });
  }

  /** Drops the connection and resumes at once (Last-Event-Id), as a client switching networks would. */
  async reconnect(): Promise<void> {
    const old = this.req;
    this.req = undefined;
    old?.destroy();
    await this.connect();
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  /** The stream of `req` ended without being asked to: resume after a moment, unless closed or replaced. */
  private resumeSoon(req: ClientRequest): void {
    if (this.closed || req !== this.req) return;
    this.req = undefined;
    setTimeout(() => {
      if (this.closed || this.req) return;
      this.connect().catch((err: Error) => this.errors.push(`resume: ${err.message}`));
    }, 250);
  }
}
