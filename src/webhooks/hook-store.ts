import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RelayError } from '../errors/catalogue.js';
import type { AuthInfo, NewEvent, StoredEvent } from '../events/event.js';
import { eventArgs, type Retention, storedFromIds } from '../events/event-store.js';
import type { RelayKeys } from '../redis/keys.js';
import { SCRIPTS } from '../redis/scripts.js';
import {
  EMPTY_STATE,
  eventView,
  type Hook,
  type HookState,
  hashToHook,
  hashToState,
  hookToHash,
  tweekView,
} from './hook.js';

export interface HookWriteOptions {
  /** Tweek's If-Match: the write happens only if the Tweek list's ETag is this one. */
  readonly ifMatch?: string | undefined;
  readonly authInfo: AuthInfo | null;
}

export interface HookWriteResult {
  readonly hook: Hook | undefined;
  /** The Tweek list's ETag after the write. */
  readonly etag: string;
  readonly events: StoredEvent[];
}

export function newHookVersion(): string {
  return randomBytes(8).toString('hex');
}

export function newHookId(): string {
  return randomBytes(12).toString('base64url');
}

function tweekJson(hook: Hook | undefined): string {
  return hook?.api === 'tweek' ? JSON.stringify(tweekView(hook)) : '';
}

function hookEvent(type: string, hook: Hook, authInfo: AuthInfo | null, old?: Hook): NewEvent {
  return {
    type,
    key: hook.id,
    domain: 'Webhook',
    payload: eventView(hook),
    ...(old ? { oldValue: eventView(old) } : {}),
    authInfo,
  };
}

/**
 * The webhook registry in Redis, behind both the Izanami and the Tweek API. Every write is one script that
 * also appends its `WEBHOOK_*` event, checked against the version read (and Tweek's If-Match ETag).
 */
export class HookStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RelayKeys,
    private readonly retention: Retention,
  ) {}

  /** The key of the version counter, for a reader that fetches it in a pipeline of its own. */
  get versionKey(): string {
    return this.keys.hooksVersion;
  }

  /** Moves on every hook write, in the same step as the write. */
  async version(): Promise<string> {
    return (await this.redis.get(this.keys.hooksVersion)) ?? '0';
  }

  async get(id: string): Promise<Hook | undefined> {
    return hashToHook(await this.redis.hgetall(this.keys.hook(id)));
  }

  async state(id: string): Promise<HookState> {
    return hashToState(await this.redis.hgetall(this.keys.hookState(id)));
  }

  /** Every hook with its delivery state, in id order. */
  async list(): Promise<{ hook: Hook; state: HookState }[]> {
    const ids = (await this.redis.smembers(this.keys.hookIndex)).sort();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.hook(id)).hgetall(this.keys.hookState(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: { hook: Hook; state: HookState }[] = [];
    for (let i = 0; i < replies.length; i += 2) {
      const [err, hash] = replies[i] as [Error | null, Record<string, string>];
      const [stateErr, stateHash] = replies[i + 1] as [Error | null, Record<string, string>];
      if (err || stateErr) throw err ?? stateErr;
      const hook = hashToHook(hash);
      if (hook) out.push({ hook, state: hashToState(stateHash ?? {}) ?? EMPTY_STATE });
    }
    return out;
  }

  /** The Tweek hooks, in id order, as the JSON array their ETag covers, with that ETag. */
  async tweekList(): Promise<{ etag: string; hooks: ReturnType<typeof tweekView>[] }> {
    const [etag, ...jsons] = (await SCRIPTS.tweekHooks.run(
      this.redis,
      [this.keys.tweekHooks],
      [],
    )) as string[];
    return { etag: etag as string, hooks: jsons.map((j) => JSON.parse(j) as ReturnType<typeof tweekView>) };
  }

  async create(hook: Hook, options: HookWriteOptions): Promise<HookWriteResult> {
    const result = await this.write(
      hook.id,
      '',
      hook,
      hookEvent('WEBHOOK_CREATED', hook, options.authInfo),
      options,
    );
    if (result === 'stale') throw new RelayError('RELAY_ERR_CONFLICT', `A webhook with id ${hook.id} exists`);
    return result;
  }

  /**
   * Replaces a hook with what `change` makes of the current one, retrying if another write lands between the
   * read and the write; 404 if there is none. Re-enabling (isBanned true → false) resets the delivery state.
   */
  async update(
    id: string,
    change: (current: Hook) => Hook,
    options: HookWriteOptions,
  ): Promise<HookWriteResult> {
    for (;;) {
      const current = await this.get(id);
      if (!current) throw new RelayError('RELAY_ERR_NOT_FOUND', `No webhook ${id}`);
      const next: Hook = { ...change(current), id, api: current.api, version: newHookVersion() };
      const event = hookEvent('WEBHOOK_UPDATED', next, options.authInfo, current);
      const reset = current.isBanned && !next.isBanned;
      const result = await this.write(id, current.version, next, event, options, reset);
      if (result !== 'stale') return result;
    }
  }

  async delete(id: string, options: HookWriteOptions): Promise<HookWriteResult> {
    for (;;) {
      const current = await this.get(id);
      if (!current) throw new RelayError('RELAY_ERR_NOT_FOUND', `No webhook ${id}`);
      const event = hookEvent('WEBHOOK_DELETED', current, options.authInfo);
      const result = await this.write(id, current.version, undefined, event, options, true);
      if (result !== 'stale') return result;
    }
  }

  private async write(
    id: string,
    expectedVersion: string,
    hook: Hook | undefined,
    event: NewEvent,
    options: HookWriteOptions,
    resetState = false,
  ): Promise<HookWriteResult | 'stale'> {
    const fields = hook ? Object.entries(hookToHash(hook)).flat() : [];
    const reply = (await SCRIPTS.writeHook.run(
      this.redis,
      [
        this.keys.events,
        this.keys.eventsMeta,
        this.keys.hook(id),
        this.keys.hookIndex,
        this.keys.tweekHooks,
        this.keys.hookState(id),
        this.keys.hooksVersion,
      ],
      [
        this.retention.retentionMs,
        this.retention.maxLength,
        expectedVersion,
        options.ifMatch ?? '',
        id,
        tweekJson(hook),
        resetState ? '1' : '0',
        fields.length / 2,
        ...fields,
        ...eventArgs([event]),
      ],
    )) as string[];
    if (reply[0] === 'stale') return 'stale';
    if (reply[0] === 'precondition') {
      throw new RelayError(
        'RELAY_ERR_PRECONDITION_FAILED',
        'If-Match does not match the current ETag of the hooks',
      );
    }
    return { hook, etag: reply[1] as string, events: storedFromIds(reply.slice(2), [event]) };
  }
}
