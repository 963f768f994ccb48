import {
  eventsPath,
  newAdmin,
  Publisher,
  ResumingListener,
  randomPrefix,
  relayEnv,
  waitUntil,
  within,
} from '../e2e-kit.js';
import { type FaultSummary, type SseTally, sumSse, tallySse } from '../fault-tally.js';
import { startTestRedis } from '../redis-server.js';
import { type RelayProcess, spawnRelay } from '../relay-process.js';
import { keysAppendedTwice, storedEvents } from '../stream-entries.js';

export interface RelayKillsOptions {
  /** SIGKILLs of the relay the listeners are on. */
  readonly kills: number;
  readonly listeners: number;
  /** Live events each listener receives on a relay process before it is killed (besides its replay). */
  readonly eventsBetweenKills: number;
  /** Pause of each publisher between two requests (default 10 ms). */
  readonly pauseMs?: number;
  readonly progress?: (line: string) => void;
}

export interface RelayKillsResult {
  readonly summary: FaultSummary;
  readonly kills: number;
  /** One per listener, against every event of the run in the stream. */
  readonly sse: SseTally[];
  /** Connections each listener opened (1 + one resume per kill). */
  readonly connections: number[];
  /** Acknowledged events missing from the stream (must be 0: appendfsync always). */
  readonly ackedNotStored: number;
  /** Keys appended twice (an idempotent retry that appended again; must be 0). */
  readonly appendedTwice: number;
  /** Requests of the retrying publisher that failed (mostly cut by a kill) and were sent again. */
  readonly retriedRequests: number;
  /** Failed requests of the publisher on the relay that stays up (must be 0). */
  readonly failedOnStable: number;
}

/**
 * A relay is SIGKILLed `kills` times while listeners stream from it; after each kill they resume with
 * Last-Event-Id on the process started in its place. Two publishers race it: one through a second relay that
 * stays up, one through the killed relay (through the other while it is down), sending every commit with an
 * Idempotency-Key and retrying a cut request until it is acknowledged. Counts what each listener received
 * against what the stream holds, and what was acknowledged against what was stored.
 */
export async function runRelayKills(options: RelayKillsOptions): Promise<RelayKillsResult> {
  const say = options.progress ?? (() => undefined);
  const admin = newAdmin();
  const redis = await startTestRedis();
  const prefix = randomPrefix();
  const env = relayEnv(redis.url, prefix, admin);
  const processes: RelayProcess[] = [];
  const listeners: ResumingListener[] = [];
  const publishers: Publisher[] = [];
  try {
    const spawn = async () => {
      const relay = await spawnRelay(env);
      processes.push(relay);
      return relay;
    };
    const [stable, first] = await Promise.all([spawn(), spawn()]);
    let victim = first;
    let victimUp = true;
    for (let i = 0; i < options.listeners; i++) {
      const listener = new ResumingListener(eventsPath('kills'), admin);
      listeners.push(listener);
      await listener.connect(victim.baseUrl);
    }
    // they publish until stopped; the bounds only keep a broken relay from looping for ever
    const total = 1_000_000;
    const pauseMs = options.pauseMs ?? 10;
    const onStable = new Publisher({
      target: () => stable.baseUrl,
      creds: admin,
      total,
      keyPrefix: 'kills:s',
      pauseMs,
    });
    const retrying = new Publisher({
      target: () => (victimUp ? victim : stable).baseUrl,
      creds: admin,
      total,
      keyPrefix: 'kills:r',
      pauseMs,
      idempotent: true,
    });
    publishers.push(onStable, retrying);
    onStable.start();
    retrying.start();

    for (let k = 1; k <= options.kills; k++) {
      // the kill lands while every listener streams from this process (in its replay or live after it)
      await waitUntil(
        () => listeners.every((l) => l.current!.frames.length >= options.eventsBetweenKills),
        `${options.eventsBetweenKills} events on every listener before kill ${k}`,
        60_000,
      );
      const killed = victim;
      victimUp = false;
      await within(killed.kill('SIGKILL'), 10_000, `SIGKILL ${k}`);
      for (const l of listeners) {
        await within(l.current!.ended, 10_000, `listeners noticing kill ${k}`);
        l.ended();
      }
      victim = await spawn();
      victimUp = true;
      for (const l of listeners) await l.connect(victim.baseUrl);
      say(
        `kill ${k}/${options.kills}: acked ${onStable.acked.length + retrying.acked.length}, ` +
          `retried ${retrying.failed.length}, received ${listeners.map((l) => l.ids().length).join('/')}`,
      );
    }
    await Promise.all(publishers.map((p) => p.stop()));

    const stored = await storedEvents(redis.client, prefix, 'kills');
    const storedIds = stored.map((e) => e.id);
    const storedSet = new Set(storedIds);
    const acked = [...onStable.ackedIds, ...retrying.ackedIds];
    const last = Math.max(...storedIds);
    for (const l of listeners) await l.follow(victim.baseUrl, last, 30_000);
    listeners.forEach((l) => {
      l.closeAll();
    });
    const sse = listeners.map((l) => tallySse(l.ids(), storedIds));
    const all = sumSse(sse);
    const ackedNotStored = acked.filter((id) => !storedSet.has(id)).length;
    const appendedTwice = keysAppendedTwice(stored).length;
    return {
      summary: {
        published: onStable.published + retrying.published,
        acked: acked.length,
        received: all.received,
        lost: ackedNotStored + all.lost,
        duplicates: appendedTwice + all.duplicates,
      },
      kills: options.kills,
      sse,
      connections: listeners.map((l) => l.connections),
      ackedNotStored,
      appendedTwice,
      retriedRequests: retrying.failed.length,
      failedOnStable: onStable.failed.length,
    };
  } finally {
    for (const l of listeners) l.closeAll();
    await Promise.all(publishers.map((p) => p.stop()));
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await redis.stop();
  }
}
