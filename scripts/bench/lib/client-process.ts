import { type ChildProcess, fork } from 'node:child_process';
import type { RpcReply, RpcRequest } from '../clients/rpc.js';
import { stopChild, track } from './processes.js';

/**
 * A load-generating client in a Node process of its own (TypeScript through tsx), driven by requests over IPC,
 * so that clients never share the bench's or the relay's event loop.
 */
export class ClientProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (reply: RpcReply) => {
      const pending = this.waiting.get(reply.id);
      if (!pending) return;
      this.waiting.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(`${name}: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.waiting.values())
        pending.reject(new Error(`${name} exited (${code ?? signal}) with a request pending`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Starts `script` (a path to a .ts file) and resolves once it serves requests. */
  static async start(name: string, script: string, timeoutMs = 30_000): Promise<ClientProcess> {
    const child = track(
      fork(script, [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, NODE_ENV: 'production' },
      }),
    );
    const proc = new ClientProcess(name, child);
    await proc.awaitReply(0, timeoutMs, 'start');
    return proc;
  }

  /** Sends one command and waits for its answer, at most `timeoutMs`. */
  call<T>(cmd: string, args: unknown, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    const reply = this.awaitReply(id, timeoutMs, cmd);
    this.child.send({ id, cmd, args } satisfies RpcRequest);
    return reply as Promise<T>;
  }

  private awaitReply(id: number, timeoutMs: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: no answer to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child, 3000);
  }
}
