import type { Redis } from 'ioredis';
import type { RelayKeys } from '../redis/keys.js';
import { SCRIPTS } from '../redis/scripts.js';
import { WriteCoalescer } from '../redis/write-coalescer.js';
import { AppendUpkeep } from './append-upkeep.js';
import type { NewEvent, StoredEvent } from './event.js';
import { isWithdrawnId, parseStreamId } from './event-id.js';
import { decodeEntries, encodeBody, eventJson } from './serialize.js';

export interface Retention {
  readonly retentionMs: number;
  readonly maxLength: number;
}

export interface IdempotencyClaim {
  /** Who the key belongs to (a client id, or `ingest`). */
  readonly scope: string;
  /** Digest of the key itself. */
  readonly digest: string;
  /** Digest of the request, to tell a retry from a reuse of the key for something else. */
  readonly fingerprint: string;
  readonly ttlMs: number;
}

export type AppendResult =
  | { readonly status: 'appended'; readonly events: StoredEvent[] }
  | { readonly status: 'duplicate'; readonly events: StoredEvent[] }
  | { readonly status: 'key-reused' };

export interface History {
  /** The newest entry id ever trimmed, or undefined if nothing ever was. */
  readonly trimmed: string | undefined;
  /** The oldest retained entry, or undefined when the stream is empty. */
  readonly earliest: string | undefined;
}

export type RawEntry = [id: string, fields: string[]];

/** A page of a range read. */
export interface RangePage {
  readonly events: StoredEvent[];
  /** The id of the last entry read, a withdrawn one included: where the next page starts. */
  readonly last: string | undefined;
}

/** Entries read from the newest or the oldest end to find the first that is not withdrawn. */
const END_PROBE = 4;

/**
 * Event quadruples (type, domain, key, body) in the order the append scripts take them; `bodies` are the
 * events' `encodeBody`, when the caller already has them (each is serialized once per append).
 */
export function eventArgs(events: readonly NewEvent[], bodies = events.map(encodeBody)): string[] {
  const args = new Array<string>(events.length * 4);
  events.forEach((e, i) => {
    args[i * 4] = e.type;
    args[i * 4 + 1] = e.domain;
    args[i * 4 + 2] = e.key;
    args[i * 4 + 3] = bodies[i] as string;
  });
  return args;
}

/** Rebuilds stored events from the ids the append script returned and the events (and bodies) it was given. */
export function storedFromIds(
  ids: readonly string[],
  events: readonly NewEvent[],
  bodies = events.map(encodeBody),
): StoredEvent[] {
  return ids.map((streamId, i) => {
    const e = events[i] as NewEvent;
    const { ms, seq } = parseStreamId(streamId);
    const id = ms * 1000 + seq;
    return {
      streamId,
      id,
      type: e.type,
      domain: e.domain,
      key: e.key,
      json: eventJson(id, ms, bodies[i] as string),
      commit: ids[0] as string,
      remaining: ids.length - 1 - i,
    };
  });
}

/** The one way into the stream, and the reads of it that are not the tail reader's. */
export class EventStore {
  /** Appends sent in one event-loop turn leave in one write. */
  private readonly appendWrites: WriteCoalescer;
  private readonly upkeep: AppendUpkeep;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RelayKeys,
    private readonly retention: Retention,
    private readonly now: () => number = Date.now,
  ) {
    this.appendWrites = new WriteCoalescer(redis);
    this.upkeep = new AppendUpkeep(retention);
  }

  get retentionArgs(): [number, number] {
    return [this.retention.retentionMs, this.retention.maxLength];
  }

  /**
   * Appends a commit: through the append script, or, for a single event without an idempotency key when no
   * upkeep is due (append-upkeep.ts), as a bare `XADD *`. Should that get a withdrawn id (after ms-999), the
   * entry is deleted and the event appended again through the script, which moves on to the next millisecond.
   */
  async append(events: readonly NewEvent[], idempotency?: IdempotencyClaim): Promise<AppendResult> {
    const bodies = events.map(encodeBody);
    const single = events.length === 1 && !idempotency;
    this.appendWrites.hold();
    if (single && !this.upkeep.take(this.now())) {
      const e = events[0] as NewEvent;
      const id = (await this.redis.xadd(
        this.keys.events,
        '*',
        't',
        e.type,
        'd',
        e.domain,
        'k',
        e.key,
        'b',
        bodies[0] as string,
      )) as string;
      if (!isWithdrawnId(id)) return { status: 'appended', events: storedFromIds([id], events, bodies) };
      await this.redis.xdel(this.keys.events, id);
    } else if (!single) this.upkeep.take(this.now(), true);
    return this.appendByScript(events, bodies, idempotency);
  }

  private async appendByScript(
    events: readonly NewEvent[],
    bodies: string[],
    idempotency: IdempotencyClaim | undefined,
  ): Promise<AppendResult> {
    const keys = [this.keys.events, this.keys.eventsMeta];
    if (idempotency) keys.push(this.keys.idempotency(idempotency.scope, idempotency.digest));
    const reply = (await SCRIPTS.append.run(this.redis, keys, [
      ...this.retentionArgs,
      idempotency?.fingerprint ?? '',
      idempotency?.ttlMs ?? 0,
      ...eventArgs(events, bodies),
    ])) as string[];
    if (reply[0] === 'new')
      return { status: 'appended', events: storedFromIds(reply.slice(1), events, bodies) };
    if (reply[1] !== '1') return { status: 'key-reused' };
    return { status: 'duplicate', events: storedFromIds(reply.slice(2), events, bodies) };
  }

  /** Entries after `after` (exclusive) up to `until` (inclusive), at most `count` read. */
  async range(after: string, until: string, count: number, redis: Redis = this.redis): Promise<RangePage> {
    const raw = (await redis.xrange(this.keys.events, `(${after}`, until, 'COUNT', count)) as RawEntry[];
    return { events: decodeEntries(raw), last: raw[raw.length - 1]?.[0] };
  }

  /**
   * The newest event's entry id (the newest entry's, should the last few all be withdrawn: any id is a start
   * for a read), `0-0` for an empty stream.
   */
  async lastId(): Promise<string> {
    const top = (await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', END_PROBE)) as RawEntry[];
    return (top.find(([id]) => !isWithdrawnId(id)) ?? top[0])?.[0] ?? '0-0';
  }

  async history(redis: Redis = this.redis): Promise<History> {
    const [trimmed, oldest] = await Promise.all([
      redis.hget(this.keys.eventsMeta, 'trimmed'),
      redis.xrange(this.keys.events, '-', '+', 'COUNT', END_PROBE) as Promise<RawEntry[]>,
    ]);
    return { trimmed: trimmed ?? undefined, earliest: oldest.find(([id]) => !isWithdrawnId(id))?.[0] };
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.events);
  }
}
