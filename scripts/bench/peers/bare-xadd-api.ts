/** Commands of the bare node:http + XADD peer (peers/bare-xadd.ts). */
export interface BareXaddArgs {
  readonly redisUrl: string;
  /** The stream it appends to: a key of its own, deleted by the bench afterwards. */
  readonly stream: string;
}

export interface BareXaddListening {
  readonly port: number;
}
