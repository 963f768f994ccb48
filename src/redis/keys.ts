/**
 * Every Redis key the relay uses, built from one configured prefix. All keys share the hash tag `{prefix}`, so
 * the Lua scripts also run on Redis Cluster. Nothing else in the code base concatenates key names.
 */
export interface RelayKeys {
  /** The one stream of events. */
  readonly events: string;
  /** Hash beside the stream: `ms`/`seq` of the last id given, `trimmed` = newest entry id ever trimmed. */
  readonly eventsMeta: string;
  /** Recorded Idempotency-Key of a publishing client (24 h), or of an ingested pub/sub message. */
  idempotency(scope: string, digest: string): string;
  /** Set of every API key's clientId. */
  readonly apiKeyIndex: string;
  /** Hash of one API key. */
  apiKey(clientId: string): string;
  /** Secret that signs browser tokens, shared by every relay process. */
  readonly tokenSecret: string;
  /** Set of every webhook's id (both APIs). */
  readonly hookIndex: string;
  /** Hash of one webhook. */
  hook(id: string): string;
  /** Hash of one webhook's delivery state (consecutive failures, last error), apart from its definition. */
  hookState(id: string): string;
  /** Capped list of one webhook's delivery attempts, newest first. */
  hookAttempts(id: string): string;
  /** Counter bumped by every hook write: dispatchers reload their hook list when it moves. */
  readonly hooksVersion: string;
  /** Hash id → canonical JSON of the Tweek hooks, the content their ETag is computed over. */
  readonly tweekHooks: string;
  /** Prefix of the BullMQ queues (BullMQ builds its own keys under it). */
  readonly bullPrefix: string;
}

export function relayKeys(prefix: string): RelayKeys {
  const tag = `{${prefix}}`;
  return Object.freeze({
    events: `${tag}:events`,
    eventsMeta: `${tag}:events:meta`,
    idempotency: (scope: string, digest: string) => `${tag}:idem:${scope}:${digest}`,
    apiKeyIndex: `${tag}:apikeys`,
    apiKey: (clientId: string) => `${tag}:apikey:${clientId}`,
    tokenSecret: `${tag}:token-secret`,
    hookIndex: `${tag}:hooks`,
    hook: (id: string) => `${tag}:hook:${id}`,
    hookState: (id: string) => `${tag}:hook:${id}:state`,
    hookAttempts: (id: string) => `${tag}:hook:${id}:attempts`,
    hooksVersion: `${tag}:hooks:version`,
    tweekHooks: `${tag}:tweek-hooks`,
    bullPrefix: `${tag}:bull`,
  });
}
