import { type ReceivedRequest, webhookId } from './receiver.js';

/**
 * Counting what a fault did, for the fault tests (which assert on the counts) and the chaos scripts (which
 * print them): what was published, acknowledged, received over SSE, delivered to a receiver; what is missing
 * and what came twice.
 */

export interface SseTally {
  /** Acknowledged events the listener should have received. */
  readonly expected: number;
  /** Event frames it received, duplicates included. */
  readonly received: number;
  /** Acknowledged events it never received. */
  readonly lost: number;
  /** Frames beyond the first for an id. */
  readonly duplicates: number;
  /** Frames whose id is not above the one before (a duplicate or a reordering). */
  readonly outOfOrder: number;
  /** Frames of events nobody acknowledged (a 503 can hide an append that happened; counted, not lost). */
  readonly unexpected: number;
}

export function tallySse(received: readonly number[], expected: readonly number[]): SseTally {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  for (const [i, id] of received.entries()) {
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (i > 0 && id <= (received[i - 1] as number)) outOfOrder += 1;
  }
  const wanted = new Set(expected);
  let duplicates = 0;
  for (const count of seen.values()) duplicates += count - 1;
  return {
    expected: wanted.size,
    received: received.length,
    lost: [...wanted].filter((id) => !seen.has(id)).length,
    duplicates,
    outOfOrder,
    unexpected: [...seen.keys()].filter((id) => !wanted.has(id)).length,
  };
}

/** Adds tallies of several listeners. */
export function sumSse(tallies: readonly SseTally[]): SseTally {
  const sum = (k: keyof SseTally) => tallies.reduce((n, t) => n + t[k], 0);
  return {
    expected: sum('expected'),
    received: sum('received'),
    lost: sum('lost'),
    duplicates: sum('duplicates'),
    outOfOrder: sum('outOfOrder'),
    unexpected: sum('unexpected'),
  };
}

export interface DeliveryTally {
  /** Deliveries that should have arrived (one per commit and hook). */
  readonly expected: number;
  /** Expected deliveries the receiver accepted (2xx) at least once. */
  readonly delivered: number;
  readonly lost: number;
  /** Accepted requests beyond the first for a webhook-id (at least once allows them; counted). */
  readonly duplicates: number;
  /** The webhook-ids that arrived more than once. */
  readonly duplicateIds: string[];
  /** Duplicates whose body differs from the first copy (should be 0: a retry sends the same delivery). */
  readonly changedBodies: number;
  /** Accepted requests with a webhook-id nobody expected. */
  readonly unexpected: number;
  /** Every request the receiver got, accepted or not. */
  readonly requests: number;
}

export function tallyDeliveries(
  requests: readonly ReceivedRequest[],
  expectedIds: readonly string[],
): DeliveryTally {
  const firstBody = new Map<string, string>();
  const copies = new Map<string, number>();
  let changedBodies = 0;
  for (const request of requests) {
    if (!('status' in request.reply) || request.reply.status < 200 || request.reply.status > 299) continue;
    const id = webhookId(request);
    copies.set(id, (copies.get(id) ?? 0) + 1);
    const body = firstBody.get(id);
    if (body === undefined) firstBody.set(id, request.body);
    else if (body !== request.body) changedBodies += 1;
  }
  const wanted = new Set(expectedIds);
  const duplicateIds = [...copies].filter(([, n]) => n > 1).map(([id]) => id);
  return {
    expected: wanted.size,
    delivered: [...wanted].filter((id) => copies.has(id)).length,
    lost: [...wanted].filter((id) => !copies.has(id)).length,
    duplicates: [...copies.values()].reduce((n, c) => n + c - 1, 0),
    duplicateIds,
    changedBodies,
    unexpected: [...copies.keys()].filter((id) => !wanted.has(id)).length,
    requests: requests.length,
  };
}

/** The figures every fault run reports (absent where the run has no such thing). */
export interface FaultSummary {
  readonly published?: number;
  readonly acked?: number;
  readonly received?: number;
  readonly delivered?: number;
  readonly lost: number;
  readonly duplicates: number;
}

/** One line: `published=… acked=… received=… delivered=… lost=… duplicates=…`. */
export function formatSummary(summary: FaultSummary): string {
  return Object.entries(summary)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
