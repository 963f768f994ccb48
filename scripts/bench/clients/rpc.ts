/**
 * The parent ↔ client-process protocol over Node's IPC channel: the parent sends `{id, cmd, args}`, the client
 * answers `{id, ok, result | error}`. A client process exits as soon as its parent goes away.
 */
export interface RpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

export interface RpcReply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: each handler declares its own argument type
export type Handlers = Record<string, (args: any) => Promise<unknown>>;

/** Child side: serves the parent's requests with the given handlers. */
export function serve(handlers: Handlers): void {
  if (!process.send) throw new Error('a bench client process must be started by the bench (IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: RpcRequest) => {
    const handler = handlers[message.cmd];
    const reply = (r: RpcReply) => process.send?.(r);
    if (!handler) {
      reply({ id: message.id, ok: false, error: `unknown command ${message.cmd}` });
      return;
    }
    handler(message.args).then(
      (result) => reply({ id: message.id, ok: true, result }),
      (err: Error) => reply({ id: message.id, ok: false, error: err.stack ?? err.message }),
    );
  });
  process.send({ id: 0, ok: true, result: 'ready' } satisfies RpcReply);
}
