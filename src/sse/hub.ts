import type { StoredEvent } from '../events/event.js';
import { type EventFilter, matchesFilter } from '../events/filter.js';
import { FanoutChunk } from './fanout-chunk.js';
import { eventFrame, KEEP_ALIVE_FRAME } from './frame.js';
import type { CloseReason, SseClient } from './sse-client.js';

interface Group {
  readonly filter: EventFilter;
  readonly clients: Set<SseClient>;
}

interface Matched {
  readonly id: number;
  readonly frame: Buffer;
}

/**
 * In-memory fan-out of the tail reader's entries to every listener of this process. Listeners with the same
 * filter form one group: each entry is matched once per group and framed once per process, and each group
 * gets one write per batch.
 */
export class FanoutHub {
  /** The entry id the tail reader has handed over up to: replays read history up to here. */
  deliveredUpTo: string;
  private readonly groups = new Map<string, Group>();
  private count = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly keepAlive = Buffer.from(KEEP_ALIVE_FRAME);

  constructor(startId: string) {
    this.deliveredUpTo = startId;
  }

  get size(): number {
    return this.count;
  }

  /** Registers a listener and returns the id up to which it must read history itself. */
  add(client: SseClient): string {
    let group = this.groups.get(client.filter.signature);
    if (!group) {
      group = { filter: client.filter, clients: new Set() };
      this.groups.set(client.filter.signature, group);
    }
    group.clients.add(client);
    this.count += 1;
    return this.deliveredUpTo;
  }

  /** Called by a client as it closes. */
  remove(client: SseClient): void {
    const group = this.groups.get(client.filter.signature);
    if (!group?.clients.delete(client)) return;
    this.count -= 1;
    if (group.clients.size === 0) this.groups.delete(client.filter.signature);
  }

  dispatch(entries: readonly StoredEvent[]): void {
    const last = entries[entries.length - 1];
    if (!last) return;
    this.deliveredUpTo = last.streamId;
    if (this.count === 0) return;
    const frames: (Buffer | undefined)[] = new Array(entries.length);
    for (const group of this.groups.values()) {
      const matched: Matched[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as StoredEvent;
        if (!matchesFilter(group.filter, entry)) continue;
        let frame = frames[i];
        if (!frame) {
          frame = Buffer.from(eventFrame(entry.id, entry.json));
          frames[i] = frame;
        }
        matched.push({ id: entry.id, frame });
      }
      if (matched.length === 0) continue;
      const firstId = (matched[0] as Matched).id;
      let all: FanoutChunk | undefined;
      for (const client of group.clients) {
        if (client.skipUpTo < firstId) {
          all ??= new FanoutChunk(
            matched.length === 1 ? (matched[0] as Matched).frame : Buffer.concat(matched.map((m) => m.frame)),
          );
          client.push(all);
        } else {
          const rest = matched.filter((m) => m.id > client.skipUpTo);
          if (rest.length > 0) client.push(new FanoutChunk(Buffer.concat(rest.map((m) => m.frame))));
        }
      }
    }
  }

  startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      for (const group of this.groups.values())
        for (const client of group.clients) client.write(this.keepAlive);
    }, intervalMs);
    this.heartbeat.unref();
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Ends every stream (shutdown): clients reconnect elsewhere and resume with Last-Event-Id. */
  closeAll(reason: CloseReason): void {
    this.stopHeartbeat();
    for (const group of [...this.groups.values()])
      for (const client of [...group.clients]) client.close(reason);
  }
}
