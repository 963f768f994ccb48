import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A webhook receiver for the delivery tests: a real node:http server on 127.0.0.1 (port 0) that records every
 * request and answers each as its script says — a status with headers and a body, after an optional delay, or
 * no answer at all (the request is held open), or a reset connection.
 */

export type Reply =
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string;
      /** Wait this long before answering. */
      readonly delayMs?: number;
    }
  /** Never answer: the request stays open until the client gives up or the receiver closes. */
  | { readonly hang: true }
  /** Destroy the connection without answering (the client sees a reset or a closed socket). */
  | { readonly reset: true };

export interface ReceivedRequest {
  /** 0 for the first request this receiver got. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the whole request had arrived. */
  readonly at: number;
  readonly reply: Reply;
  /** Date.now() when the answer was sent (or the connection reset); undefined while held or waiting. */
  respondedAt: number | undefined;
}

export type Script = (request: Omit<ReceivedRequest, 'reply' | 'respondedAt'>) => Reply;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** How the next requests are answered; may be replaced at any time. */
  script: Script;
  /** Resolves once `predicate` holds on the requests (checked on every request and every 20 ms). */
  waitFor(
    predicate: (requests: ReceivedRequest[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  /** Requests that were answered with a 2xx. */
  succeeded(): ReceivedRequest[];
  /** Ends held requests and open connections, then stops listening. */
  close(): Promise<void>;
}

export const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Script =>
  () => ({ status, body, headers });

/** Answers by position: the i-th request gets `replies[i]`, later ones the last entry. */
export const inTurn =
  (...replies: Reply[]): Script =>
  ({ index }) =>
    replies[Math.min(index, replies.length - 1)] as Reply;

/** The `webhook-id` header of a request (every delivery carries one). */
export function webhookId(request: ReceivedRequest): string {
  const id = request.headers['webhook-id'];
  if (typeof id !== 'string') throw new Error(`request ${request.index} has no webhook-id header`);
  return id;
}

export async function startReceiver(script: Script = answer(200, 'ok')): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = {
        index: requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const reply = receiver.script(seen);
      const recorded: ReceivedRequest = { ...seen, reply, respondedAt: undefined };
      requests.push(recorded);
      notify();
      if ('hang' in reply) return;
      if ('reset' in reply) {
        recorded.respondedAt = Date.now();
        req.socket.destroy();
        return;
      }
      const send = () => {
        recorded.respondedAt = Date.now();
        res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8', ...reply.headers });
        res.end(reply.body ?? '');
        notify();
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    script,
    succeeded: () =>
      requests.filter((r) => 'status' in r.reply && r.reply.status >= 200 && r.reply.status <= 299),
    waitFor: (predicate, what, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(requests)) return;
          cleanup();
          resolve();
        };
        const poll = setInterval(check, 20);
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `receiver: timed out after ${timeoutMs} ms waiting for ${what} (${requests.length} requests)`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          waiters.delete(check);
          clearInterval(poll);
          clearTimeout(timer);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
