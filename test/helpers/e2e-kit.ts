import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { recordCredentials } from './run-record.js';
import { openSse, type SseConnection } from './sse-client.js';
import { type Credentials, keyHeaders } from './test-relay.js';

/** Pieces shared by the end-to-end tests: relay env, publishing over HTTP, listeners that resume. */

export function randomPrefix(): string {
  return `e2e${randomBytes(6).toString('hex')}`;
}

export function newAdmin(): Credentials {
  const admin = { clientId: 'e2e-admin', clientSecret: randomBytes(18).toString('base64url') };
  recordCredentials(admin); // for the end-of-run log scan (run-record.ts)
  return admin;
}

/** Environment of a relay process (`spawnRelay`) on a given Redis and key prefix. */
export function relayEnv(
  redisUrl: string,
  prefix: string,
  admin: Credentials,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    RELAY_ADMIN_CLIENT_ID: admin.clientId,
    RELAY_ADMIN_CLIENT_SECRET: admin.clientSecret,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects if `promise` has not settled after `ms`: a "did not hang" bound, never a performance claim. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `predicate` every `everyMs` until it holds; fails after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Polls `predicate` until it holds or `timeoutMs` passed, and says which: for runs that count what is missing
 * at the end (a fault run reports its losses) rather than fail on the first wait.
 */
export async function settle(predicate: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

export interface PublishedEvent extends Record<string, unknown> {
  readonly _id: number;
  readonly key: string;
}

export interface PublishResult {
  /** HTTP status, or 0 when the request itself failed (refused, reset, timed out). */
  readonly status: number;
  readonly events: PublishedEvent[];
  readonly errorCode: string | undefined;
  readonly failure: string | undefined;
  readonly elapsedMs: number;
}

/** `POST /api/events` with `body` (and `headers`); never throws, and gives up after `timeoutMs` (status 0). */
export async function publish(
  baseUrl: string,
  creds: Credentials,
  body: unknown,
  timeoutMs = 10_000,
  headers: Record<string, string> = {},
): Promise<PublishResult> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}/api/events`, {
      method: 'POST',
      headers: { ...keyHeaders(creds), 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as { events?: PublishedEvent[]; error?: { code: string } }) : {};
    return {
      status: res.status,
      events: res.status === 201 ? (json.events ?? []) : [],
      errorCode: json.error?.code,
      failure: undefined,
      elapsedMs: Date.now() - started,
    };
  } catch (err) {
    return {
      status: 0,
      events: [],
      errorCode: undefined,
      failure: (err as Error).message,
      elapsedMs: Date.now() - started,
    };
  }
}

/** The status of `GET /ready` (200 when the process reaches Redis, else 503). */
export async function readyStatus(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

/** One CONFIG_UPDATED event, keyed `<keyPrefix>:<n>`. */
export function configEvent(keyPrefix: string, n: number): Record<string, unknown> {
  const key = `${keyPrefix}:${n}`;
  return {
    type: 'CONFIG_UPDATED',
    key,
    payload: { id: key, value: JSON.stringify({ n }) },
    oldValue: { id: key, value: JSON.stringify({ n: n - 1 }) },
  };
}

/** Commit sizes the publisher cycles through: mostly single events, some small commits. */
const SIZES = [1, 1, 3, 1, 2, 1, 5, 1, 1, 4, 2, 1];

export interface PublisherOptions {
  /** Relay to publish the `i`-th request to. */
  readonly target: (i: number) => string;
  readonly creds: Credentials;
  /** Events to get acknowledged (201); failed requests are retried with new events. */
  readonly total: number;
  readonly keyPrefix: string;
  /** Pause between requests. */
  readonly pauseMs?: number;
  /** Upper bound on requests, so a broken relay cannot keep the loop going. */
  readonly maxRequests?: number;
  /**
   * Send every commit with an `Idempotency-Key` and retry a failed one (same key, same body, to whatever
   * `target` says then) until it is acknowledged, as a careful producer does; otherwise a failed request is
   * given up and the next one carries new events.
   */
  readonly idempotent?: boolean;
}

/**
 * Publishes `total` events over HTTP, single events and small commits, a few ms apart, and keeps every
 * acknowledged event (from the 201 bodies, in acknowledgement order) and every failed request.
 */
export class Publisher {
  readonly acked: PublishedEvent[] = [];
  readonly failed: PublishResult[] = [];
  requests = 0;
  /** Events put in a request so far (a retried commit counts once). */
  published = 0;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PublisherOptions) {}

  start(): this {
    this.running ??= this.run();
    return this;
  }

  get done(): Promise<void> {
    return this.start().running as Promise<void>;
  }

  get ackedIds(): number[] {
    return this.acked.map((e) => e._id);
  }

  /** Ends the loop after the request in flight (an idempotent publisher first gets its pending commit acknowledged). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const { target, creds, total, keyPrefix, idempotent } = this.options;
    const pauseMs = this.options.pauseMs ?? 3;
    const maxRequests = this.options.maxRequests ?? total * 20;
    let n = 0;
    let commits = 0;
    let retry: { body: unknown; size: number; headers: Record<string, string> } | undefined;
    while ((!this.stopped || retry) && this.acked.length < total && this.requests < maxRequests) {
      let next = retry;
      if (!next) {
        const size = Math.min(SIZES[commits % SIZES.length] as number, total - this.acked.length);
        const events = Array.from({ length: size }, () => configEvent(keyPrefix, n++));
        const body = size === 1 ? events[0] : { author: { name: 'e2e', email: 'e2e@example.test' }, events };
        const headers: Record<string, string> = idempotent
          ? { 'Idempotency-Key': `${keyPrefix}-${commits}` }
          : {};
        commits += 1;
        this.published += size;
        next = { body, size, headers };
      }
      const result = await publish(target(this.requests), creds, next.body, 10_000, next.headers);
      this.requests += 1;
      retry = undefined;
      if (result.status === 201) {
        assert.equal(result.events.length, next.size, 'a 201 carries every event of the commit');
        this.acked.push(...result.events);
      } else {
        this.failed.push(result);
        if (idempotent) retry = next;
      }
      await sleep(pauseMs);
    }
  }
}

/** `/api/events` query of the tests: their own key pattern, Config domain. */
export function eventsPath(keyPrefix: string, domains = 'Config'): string {
  return `/api/events?domains=${domains}&patterns=${encodeURIComponent(`${keyPrefix}:*`)}`;
}

interface Segment {
  readonly conn: SseConnection;
  /** Frames taken when the connection was given up (undefined while it is the current one). */
  taken: number | undefined;
  /** The stream ended or was cut (by either side). */
  over: boolean;
}

/**
 * A listener that disconnects and resumes with `Last-Event-Id`, as a browser EventSource does, possibly on
 * another relay. `ids()` is what it received over all its connections, in order of reception.
 */
export class ResumingListener {
  private readonly segments: Segment[] = [];

  constructor(
    private readonly path: string,
    private readonly creds: Credentials,
  ) {}

  get current(): SseConnection | undefined {
    return this.segments[this.segments.length - 1]?.conn;
  }

  /** Whether the current connection has ended (server end, reset, or closed here). */
  get currentEnded(): boolean {
    return this.segments[this.segments.length - 1]?.over ?? true;
  }

  get connections(): number {
    return this.segments.length;
  }

  /** Event frames received so far, over every connection (a given-up connection counts up to then). */
  frames(): { id: string | undefined; data: string }[] {
    return this.segments.flatMap((s) =>
      s.conn.frames.slice(0, s.taken ?? s.conn.frames.length).filter((f) => f.event === undefined),
    );
  }

  ids(): number[] {
    return this.frames().map((f) => Number(f.id));
  }

  lastId(): number | undefined {
    const ids = this.ids();
    return ids[ids.length - 1];
  }

  /** Opens a connection to `baseUrl`, resuming after the last id received (or `from`, for the first one). */
  async connect(baseUrl: string, from?: number): Promise<SseConnection> {
    const last = this.lastId() ?? from;
    const headers = {
      ...keyHeaders(this.creds),
      ...(last !== undefined ? { 'Last-Event-Id': String(last) } : {}),
    };
    const conn = await openSse(`${baseUrl}${this.path}`, headers);
    assert.equal(conn.status, 200, `SSE ${baseUrl}${this.path}: ${conn.status} ${conn.body()}`);
    const seg: Segment = { conn, taken: undefined, over: false };
    void conn.ended.then(() => {
      seg.over = true;
    });
    this.segments.push(seg);
    return conn;
  }

  /** Closes the current connection; frames that arrive later on it are not counted. */
  disconnect(): void {
    const seg = this.segments[this.segments.length - 1];
    if (!seg || seg.taken !== undefined) return;
    seg.taken = seg.conn.frames.length;
    seg.conn.close();
  }

  /** Marks the current connection as ended by the server (its frames all count). */
  ended(): void {
    const seg = this.segments[this.segments.length - 1];
    if (seg && seg.taken === undefined) seg.taken = seg.conn.frames.length;
  }

  async waitForIds(predicate: (ids: number[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const conn = this.current;
    assert.ok(conn, 'no connection');
    await conn.waitFor(() => predicate(this.ids()), timeoutMs);
  }

  /**
   * Waits until `lastId` arrived; whenever the current connection ends first, resumes on `baseUrl` with
   * Last-Event-Id (at most `maxResumes` times).
   */
  async follow(baseUrl: string, lastId: number, timeoutMs = 20_000, maxResumes = 5): Promise<void> {
    for (let resumes = 0; ; resumes++) {
      if (this.currentEnded) {
        assert.ok(resumes < maxResumes, `gave up after ${maxResumes} resumes`);
        this.ended();
        await this.connect(baseUrl);
      }
      const conn = this.current as SseConnection;
      const outcome = await conn
        .waitFor(() => this.ids().includes(lastId), timeoutMs)
        .then(
          () => 'received' as const,
          async (err: unknown) => {
            const ended = await Promise.race([conn.ended.then(() => true), sleep(200).then(() => false)]);
            if (ended) return 'ended' as const;
            throw err;
          },
        );
      if (outcome === 'received') return;
    }
  }

  closeAll(): void {
    for (const s of this.segments) {
      s.taken ??= s.conn.frames.length;
      s.conn.close();
    }
  }
}

/**
 * The checks every fault test ends with: received ids strictly increasing (so no duplicates), each frame's
 * `id:` equal to its event's `_id`, and exactly the expected ids.
 */
export function assertExactlyOnceInOrder(
  frames: readonly { id: string | undefined; data: string }[],
  expected: readonly number[],
): void {
  const ids = frames.map((f) => Number(f.id));
  for (const f of frames) assert.equal((JSON.parse(f.data) as { _id: number })._id, Number(f.id));
  const backwards = ids.findIndex((id, i) => i > 0 && id <= (ids[i - 1] as number));
  assert.equal(
    backwards,
    -1,
    `ids not strictly increasing at ${backwards}: ${ids[backwards - 1]} then ${ids[backwards]}`,
  );
  const want = [...expected].sort((a, b) => a - b);
  const got = new Set(ids);
  const missing = want.filter((id) => !got.has(id));
  const wanted = new Set(want);
  const extra = ids.filter((id) => !wanted.has(id));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  assert.deepEqual(ids, want);
}

export interface RawStreamEnd {
  readonly status: number;
  /** The response ended with its terminating chunk (a clean end, not a reset). */
  readonly complete: boolean;
  readonly body: string;
}

/**
 * A plain HTTP GET kept open until the server ends it, to tell a clean end of an SSE stream (the last chunk
 * arrived) from a cut connection. `opened` resolves with the status once headers arrive.
 */
export function openRawStream(
  url: string,
  headers: Record<string, string>,
): { opened: Promise<number>; end: Promise<RawStreamEnd>; close: () => void } {
  const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } });
  const opened = new Promise<number>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => resolve(res.statusCode ?? 0));
  });
  const end = new Promise<RawStreamEnd>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.once('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete, body }));
    });
  });
  // a failure is reported by whichever of the two the test awaits; the other must not be an unhandled rejection
  opened.catch(() => undefined);
  end.catch(() => undefined);
  req.end();
  return { opened, end, close: () => req.destroy() };
}
