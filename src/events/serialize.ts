import type { Domain } from './catalogue.js';
import type { NewEvent, StoredEvent } from './event.js';
import { isWithdrawnId, parseStreamId } from './event-id.js';
import { formatTimestamp } from './timestamp.js';

/**
 * The stream entry of an event: `t` type, `d` domain, `k` key, `b` body, and in a commit of several events
 * `r` (entries of the commit after this one) and, on every entry but the first, `c` (the commit's first entry
 * id; an entry without it is its own commit's first, as `XADD *` gave its id). The body is the event's
 * JSON members without `_id` and `timestamp`, which both follow from the entry id and are added when the
 * entry is read, so that the append script never has to build JSON.
 */
export const ENTRY_FIELDS = ['t', 'd', 'k', 'b'] as const;
/** The fields only entries of a commit of several events have. */
export const COMMIT_FIELDS = ['c', 'r'] as const;

/** `,"name":<value JSON>`, or nothing where `JSON.stringify` of an object would leave the member out. */
function member(name: string, value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? '' : `,"${name}":${json}`;
}

/**
 * Written member by member, as `JSON.stringify` would write the object `{type, key, domain, payload,
 * oldValue?, authInfo, author?}` (this is on every append's path: no object built, no braces sliced off).
 */
export function encodeBody(event: NewEvent): string {
  let body = `"type":${JSON.stringify(event.type)},"key":${JSON.stringify(event.key)}`;
  body += `,"domain":${JSON.stringify(event.domain)}${member('payload', event.payload ?? null)}`;
  if (event.oldValue !== undefined) body += member('oldValue', event.oldValue);
  body += member('authInfo', event.authInfo);
  if (event.author !== undefined) body += member('author', event.author);
  return body;
}

/** Joins an entry's id and body into the event's JSON: `{"_id":…,<body>,"timestamp":"…"}`. */
export function eventJson(id: number, ms: number, body: string): string {
  return `{"_id":${id},${body},"timestamp":"${formatTimestamp(ms)}"}`;
}

/** Decodes one entry as returned by XRANGE/XREAD (`[id, [field, value, …]]`). */
export function decodeEntry(streamId: string, fields: readonly string[]): StoredEvent {
  let type = '';
  let domain = '';
  let key = '';
  let body = '';
  let commit = streamId;
  let remaining = 0;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 't':
        type = value;
        break;
      case 'd':
        domain = value;
        break;
      case 'k':
        key = value;
        break;
      case 'b':
        body = value;
        break;
      case 'c':
        commit = value;
        break;
      case 'r':
        remaining = Number(value);
        break;
    }
  }
  const { ms, seq } = parseStreamId(streamId);
  const id = ms * 1000 + seq;
  return {
    streamId,
    id,
    type,
    domain: domain as Domain,
    key,
    json: eventJson(id, ms, body),
    commit,
    remaining,
  };
}

/** Decodes the entries of a read, leaving out any withdrawn one (see `isWithdrawnId`). */
export function decodeEntries(
  raw: readonly (readonly [id: string, fields: readonly string[]])[],
): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (const [id, fields] of raw) if (!isWithdrawnId(id)) events.push(decodeEntry(id, fields));
  return events;
}
