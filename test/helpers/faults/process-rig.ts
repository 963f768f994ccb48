import { toStreamId } from '../../../src/events/event-id.js';
import { deliveryJobId } from '../../../src/webhooks/delivery-job.js';
import { configEvent, newAdmin, type PublishedEvent, publish, randomPrefix, relayEnv } from '../e2e-kit.js';
import { createHookOver } from '../hooks-http.js';
import { type Receiver, type Script, startReceiver } from '../receiver.js';
import { startTestRedis, type TestRedis } from '../redis-server.js';
import { type RelayProcess, spawnRelay } from '../relay-process.js';
import type { Credentials } from '../test-relay.js';
import { spawnWorker, type WorkerProcess } from '../worker-process.js';

/** Loopback receivers, quick retries, a dead worker or dispatcher noticed within about a second. */
export const FAULT_WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_BACKOFF_MS: '100',
  WEBHOOK_STALLED_MS: '1000',
  DISPATCH_CLAIM_IDLE_MS: '1000',
};

/**
 * What a fault run with webhooks stands on: a Redis, relay and worker processes of the built service on one key
 * prefix, a receiver, and one hook to it. Everything it started is stopped by `close()`.
 */
export interface ProcessRig {
  readonly redis: TestRedis;
  readonly prefix: string;
  readonly admin: Credentials;
  readonly env: Record<string, string>;
  readonly receiver: Receiver;
  startRelay(): Promise<RelayProcess>;
  startWorker(): Promise<WorkerProcess>;
  /** Creates the hook (through `relay`) for events keyed `<keyPrefix>:…`; returns its id. */
  hook(relay: RelayProcess, keyPrefix: string): Promise<string>;
  close(): Promise<void>;
}

export async function startRig(options: {
  receiver: Script;
  env?: Record<string, string>;
}): Promise<ProcessRig> {
  const admin = newAdmin();
  const prefix = randomPrefix();
  const redis = await startTestRedis();
  const receiver = await startReceiver(options.receiver);
  const env = relayEnv(redis.url, prefix, admin, { ...FAULT_WEBHOOK_ENV, ...options.env });
  const started: (RelayProcess | WorkerProcess)[] = [];
  const keep = <T extends RelayProcess | WorkerProcess>(p: T): T => {
    started.push(p);
    return p;
  };
  return {
    redis,
    prefix,
    admin,
    env,
    receiver,
    startRelay: async () => keep(await spawnRelay(env)),
    startWorker: async () => keep(await spawnWorker(env)),
    hook: (relay, keyPrefix) =>
      createHookOver(relay.baseUrl, admin, { callbackUrl: receiver.url, patterns: [`${keyPrefix}:*`] }),
    close: async () => {
      await Promise.all(started.map((p) => p.kill('SIGKILL')));
      await receiver.close();
      await redis.stop();
    },
  };
}

export interface PublishedCommit {
  readonly events: PublishedEvent[];
  /** The delivery's id (its `webhook-id`) for `hookId`. */
  readonly deliveryId: string;
}

/**
 * Publishes commit `n` (one event, every fifth a commit of three) and expects a 201; returns its events and the
 * id of its delivery to `hookId`.
 */
export async function publishCommit(
  baseUrl: string,
  admin: Credentials,
  keyPrefix: string,
  n: number,
  hookId: string,
): Promise<PublishedCommit> {
  const body =
    n % 5 === 4
      ? { events: [0, 1, 2].map((i) => configEvent(keyPrefix, n * 10 + i)) }
      : configEvent(keyPrefix, n * 10);
  const result = await publish(baseUrl, admin, body);
  if (result.status !== 201) {
    throw new Error(`publish of commit ${n}: ${result.status} ${result.errorCode ?? result.failure ?? ''}`);
  }
  return { events: result.events, deliveryId: deliveryIdOf(hookId, result.events) };
}

/** The delivery id of a commit (given its events) to a hook. */
export function deliveryIdOf(hookId: string, commit: readonly PublishedEvent[]): string {
  return deliveryJobId(hookId, toStreamId((commit[0] as PublishedEvent)._id));
}
