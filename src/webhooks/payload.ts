import type { AuthInfo, Author } from '../events/event.js';
import type { HookApi } from './hook.js';

/**
 * Delivery bodies (CONTRACT.md, Webhooks — Izanami API and Hooks — Tweek API): what one POST carries for the
 * matching events of one commit. Bodies are returned as the exact JSON string to sign and send.
 */

/** An event as its JSON carries it (src/events/serialize.ts writes it; CONTRACT.md, Events). */
export interface WireEvent {
  readonly _id: number;
  readonly type: string;
  readonly key: string;
  readonly domain: string;
  readonly payload: unknown;
  /** Present only where the producer gave one. */
  readonly oldValue?: unknown;
  readonly authInfo: AuthInfo | null;
  readonly timestamp: string;
  readonly author?: Author;
}

/** One changed key in a Tweek delivery. */
export interface TweekUpdate {
  readonly keyPath: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

export interface TweekPayload {
  readonly author: Author;
  readonly updates: readonly TweekUpdate[];
}

/** Who the Tweek author is when nothing better is known (no `author`, no `authInfo`). */
export const UNKNOWN_AUTHOR: Author = Object.freeze({ name: 'unknown', email: '' });

/** Who signs a ping's Tweek author. */
export const RELAY_AUTHOR: Author = Object.freeze({ name: 'event-relay', email: '' });

/**
 * The Izanami body `{"objectsEdited":[…]}`, joined from the events' JSON as stored, so that nothing is parsed or
 * serialized again. Each string must be one event's JSON (StoredEvent.json).
 */
export function izanamiBody(eventJsons: readonly string[]): string {
  return `{"objectsEdited":[${eventJsons.join(',')}]}`;
}

/** A delete of several keys at once (`CONFIGS_DELETED`…): its payload is about the batch, not one value. */
function isBulkDelete(type: string): boolean {
  return type.endsWith('S_DELETED');
}

function isDelete(type: string): boolean {
  return type.endsWith('_DELETED');
}

function isCreate(type: string): boolean {
  return type.endsWith('_CREATED');
}

/**
 * One Tweek update from one event: `newValue` is the event's `payload` and `oldValue` its `oldValue` (null when
 * absent), except that
 * - a create (`*_CREATED`) has `oldValue` null, whatever the producer sent;
 * - a delete (`*_DELETED`, `*S_DELETED`) has `newValue` null; the value that is gone becomes `oldValue`: the
 *   event's `oldValue` if it has one, else, for a single delete, its `payload` (Izanami's delete events carry
 *   the deleted object as payload); a bulk delete's payload describes the batch, so its `oldValue` stays null.
 */
export function tweekUpdate(event: WireEvent): TweekUpdate {
  const oldValue = event.oldValue ?? null;
  if (isCreate(event.type)) return { keyPath: event.key, oldValue: null, newValue: event.payload ?? null };
  if (isDelete(event.type)) {
    const gone = isBulkDelete(event.type) ? oldValue : (event.oldValue ?? event.payload ?? null);
    return { keyPath: event.key, oldValue: gone, newValue: null };
  }
  return { keyPath: event.key, oldValue, newValue: event.payload ?? null };
}

/**
 * The author of a commit for Tweek: the commit's `author` (carried on each of its events; the first event
 * that has one wins), else the publishing key's name from `authInfo` with an empty email (falling back to its
 * clientId when the name is empty), else UNKNOWN_AUTHOR — Tweek's receivers expect both fields as strings.
 */
export function tweekAuthor(events: readonly WireEvent[]): Author {
  const withAuthor = events.find((e) => e.author !== undefined);
  if (withAuthor?.author) return { name: withAuthor.author.name, email: withAuthor.author.email };
  const authInfo = events.find((e) => e.authInfo)?.authInfo;
  if (authInfo) return { name: authInfo.name || authInfo.clientId, email: '' };
  return { ...UNKNOWN_AUTHOR };
}

/** The Tweek payload `{author, updates}` for the matching events of one commit, in commit order. */
export function tweekPayload(events: readonly WireEvent[]): TweekPayload {
  return { author: tweekAuthor(events), updates: events.map(tweekUpdate) };
}

/** The Tweek body as a JSON string. */
export function tweekBody(events: readonly WireEvent[]): string {
  return JSON.stringify(tweekPayload(events));
}

/**
 * The body for a hook of either API from the events' JSON as stored: joined as is for Izanami, parsed and
 * reshaped for Tweek. Throws a SyntaxError on a string that is not JSON (stored events always are).
 */
export function deliveryBody(api: HookApi, eventJsons: readonly string[]): string {
  if (api === 'izanami') return izanamiBody(eventJsons);
  return tweekBody(eventJsons.map((json) => JSON.parse(json) as WireEvent));
}

/**
 * The body of a test delivery (`POST /api/webhooks/{id}/test`): the API's usual shape with nothing in it, so a
 * receiver that iterates `objectsEdited` or `updates` handles it unchanged, plus a `ping` member saying what it
 * is: `{"objectsEdited":[],"ping":{…}}` or `{"author":…,"updates":[],"ping":{…}}`. `sentAt` is ISO 8601 UTC.
 */
export function pingBody(api: HookApi, hookId: string, now: Date): string {
  const ping = { hookId, sentAt: now.toISOString() };
  if (api === 'izanami') return JSON.stringify({ objectsEdited: [], ping });
  return JSON.stringify({ author: RELAY_AUTHOR, updates: [], ping });
}
