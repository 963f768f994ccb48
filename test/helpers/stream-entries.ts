import type { Redis } from 'ioredis';
import type { StoredEvent } from '../../src/events/event.js';
import { decodeEntries } from '../../src/events/serialize.js';
import { relayKeys } from '../../src/redis/keys.js';

/**
 * The relay's stream as stored in Redis (XRANGE - +), decoded, keeping the events keyed `<keyPrefix>:…` (an
 * entry withdrawn by a relay killed before it could delete it is no event).
 */
export async function storedEvents(redis: Redis, prefix: string, keyPrefix: string): Promise<StoredEvent[]> {
  const raw = (await redis.xrange(relayKeys(prefix).events, '-', '+')) as [string, string[]][];
  return decodeEntries(raw).filter((e) => e.key.startsWith(`${keyPrefix}:`));
}

/** The events grouped by commit (stream id of the commit's first entry → its events, in order). */
export function commitsOf(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const commits = new Map<string, StoredEvent[]>();
  for (const e of events) {
    const commit = commits.get(e.commit);
    if (commit) commit.push(e);
    else commits.set(e.commit, [e]);
  }
  return commits;
}

/** Commits of which the stream holds only a part (never, if appends are atomic). */
export function partialCommits(events: readonly StoredEvent[]): string[] {
  return [...commitsOf(events)]
    .filter(([id, commit]) => {
      const first = commit[0] as StoredEvent;
      return first.streamId !== id || commit.length !== first.remaining + 1;
    })
    .map(([id]) => id);
}

/** Keys stored more than once (a retried publish appended twice). */
export function keysAppendedTwice(events: readonly StoredEvent[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const e of events) {
    if (seen.has(e.key)) twice.add(e.key);
    seen.add(e.key);
  }
  return [...twice];
}
