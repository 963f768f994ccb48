import { toPublicId } from '../../../src/events/event-id.js';
import { featureEvent } from '../lib/events.js';
import { progress } from '../lib/progress.js';
import { publish } from '../lib/publish.js';
import type { BenchContext } from './context.js';

export const COMMIT_SIZE = 1000;
const IN_FLIGHT = 2;

export interface Filled {
  /** The stream entry id just before the appended events (`0-0` for an empty stream). */
  readonly afterStreamId: string;
  /** Its public id: `Last-Event-Id` to replay exactly the appended events. */
  readonly afterId: number;
  readonly events: number;
  readonly seconds: number;
}

/** Appends `count` events through `POST /api/events`, commits of 1000, a couple in flight. */
export async function fillStream(ctx: BenchContext, count: number): Promise<Filled> {
  const top = (await ctx.redis.client.xrevrange(ctx.stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
  const afterStreamId = top[0]?.[0] ?? '0-0';
  const lengthBefore = await ctx.redis.client.xlen(ctx.stream);
  const commits = Math.ceil(count / COMMIT_SIZE);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < commits) {
      const c = next++;
      const size = Math.min(COMMIT_SIZE, count - c * COMMIT_SIZE);
      const events = Array.from({ length: size }, (_, i) => featureEvent(c * COMMIT_SIZE + i));
      await publish(ctx.relay.baseUrl, ctx.relay.admin, events);
      if ((c + 1) % 20 === 0) progress(`replay: appended ${Math.min((c + 1) * COMMIT_SIZE, count)} events`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  const appended = (await ctx.redis.client.xlen(ctx.stream)) - lengthBefore;
  if (appended !== count) throw new Error(`expected ${count} new entries in the stream, found ${appended}`);
  return {
    afterStreamId,
    afterId: afterStreamId === '0-0' ? 0 : toPublicId(afterStreamId),
    events: count,
    seconds,
  };
}
