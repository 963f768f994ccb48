import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { compareStreamIds as compare, toPublicId, toStreamId } from '../events/event-id.js';
import type { EventStore } from '../events/event-store.js';
import type { EventFilter } from '../events/filter.js';
import { matchesFilter } from '../events/filter.js';
import type { Logger } from '../logging/logger.js';
import { eventFrame, namedFrame } from './frame.js';
import type { FanoutHub } from './hub.js';
import { type CloseReason, SseClient } from './sse-client.js';

export interface ListenDeps {
  readonly hub: FanoutHub;
  readonly store: EventStore;
  /** The connection replays page on (not the blocking one). */
  readonly replayRedis: Redis;
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  readonly onOpen?: () => void;
  readonly onReplayed?: (count: number) => void;
  readonly onReset?: () => void;
  readonly onClose?: (reason: CloseReason) => void;
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

const REPLAY_PAGE = 1000;

/**
 * Serves one listener on an already-validated request: headers, then (with a last event id) the replay
 * handover, then live events. The handover has no gap and no duplicate: the client is registered first and
 * keeps live entries aside; history is read up to the id the tail reader had handed over at that moment (T);
 * then the entries kept aside, all after T, are written.
 */
export async function listen(
  res: ServerResponse,
  filter: EventFilter,
  lastEventId: number | undefined,
  deps: ListenDeps,
): Promise<void> {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  const client = new SseClient(res, filter, deps.maxBufferedBytes, {
    replaying: lastEventId !== undefined,
    onClose: (c, reason) => {
      deps.hub.remove(c);
      deps.onClose?.(reason);
    },
  });
  deps.onOpen?.();
  if (lastEventId === undefined) {
    deps.hub.add(client);
    return;
  }
  client.skipUpTo = lastEventId;
  const until = deps.hub.add(client);
  try {
    await replay(client, toStreamId(lastEventId), until, deps);
    client.goLive();
  } catch (err) {
    deps.logger.warn('replay failed; the client will resume', { error: (err as Error).message });
    client.close('error');
  }
}

async function replay(client: SseClient, from: string, until: string, deps: ListenDeps): Promise<void> {
  const history = await deps.store.history(deps.replayRedis);
  if (history.trimmed !== undefined && compare(from, history.trimmed) < 0) {
    const earliest = history.earliest === undefined ? null : toPublicId(history.earliest);
    const requested = toPublicId(from);
    client.write(namedFrame('reset', JSON.stringify({ requested, earliest })));
    deps.onReset?.();
  }
  let cursor = from;
  let replayed = 0;
  while (!client.isClosed && compare(cursor, until) < 0) {
    const page = await deps.store.range(cursor, until, REPLAY_PAGE, deps.replayRedis);
    if (page.last === undefined) break;
    cursor = page.last;
    let chunk = '';
    for (const entry of page.events) {
      if (!matchesFilter(client.filter, entry)) continue;
      chunk += eventFrame(entry.id, entry.json);
      replayed += 1;
    }
    if (chunk.length > 0 && !client.write(chunk, false)) break;
    await client.drained(deps.maxBufferedBytes / 2);
  }
  deps.onReplayed?.(replayed);
}
