import type { Domain } from '../events/catalogue.js';

/** Which API made a hook: it decides the payload it gets and the API that shows it. */
export type HookApi = 'izanami' | 'tweek';

/**
 * One webhook of the registry behind both APIs. An Izanami webhook filters by domains, types and patterns
 * (patterns ORed; an empty list restricts nothing) and gets `{"objectsEdited": [...]}`; a Tweek hook filters
 * by `keyPath` and gets `{"author", "updates"}`.
 */
export interface Hook {
  readonly id: string;
  readonly api: HookApi;
  readonly url: string;
  readonly domains: readonly Domain[];
  readonly types: readonly string[];
  readonly patterns: readonly string[];
  readonly keyPath: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Standard Webhooks secret (`whsec_…`); deliveries are signed when set. Never shown by the API. */
  readonly secret: string | null;
  /** Creation time, ISO 8601 UTC. */
  readonly created: string;
  readonly isBanned: boolean;
  /** Why the relay disabled it (failures, 410), or null. */
  readonly disabledReason: string | null;
  /** Changes on every write: the version the write script checks. */
  readonly version: string;
}

/** Delivery state, kept apart from the definition so that deliveries never race with API writes. */
export interface HookState {
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly lastAttemptAt: string | null;
  readonly lastSuccessAt: string | null;
}

export const EMPTY_STATE: HookState = {
  consecutiveFailures: 0,
  lastError: null,
  lastAttemptAt: null,
  lastSuccessAt: null,
};

export function hookToHash(hook: Hook): Record<string, string> {
  return {
    id: hook.id,
    api: hook.api,
    url: hook.url,
    domains: JSON.stringify(hook.domains),
    types: JSON.stringify(hook.types),
    patterns: JSON.stringify(hook.patterns),
    keyPath: hook.keyPath ?? '',
    headers: JSON.stringify(hook.headers),
    secret: hook.secret ?? '',
    created: hook.created,
    isBanned: hook.isBanned ? '1' : '0',
    disabledReason: hook.disabledReason ?? '',
    v: hook.version,
  };
}

export function hashToHook(hash: Record<string, string>): Hook | undefined {
  if (!hash.id || !hash.v || (hash.api !== 'izanami' && hash.api !== 'tweek')) return undefined;
  return {
    id: hash.id,
    api: hash.api,
    url: hash.url ?? '',
    domains: JSON.parse(hash.domains ?? '[]') as Domain[],
    types: JSON.parse(hash.types ?? '[]') as string[],
    patterns: JSON.parse(hash.patterns ?? '[]') as string[],
    keyPath: hash.keyPath || null,
    headers: JSON.parse(hash.headers ?? '{}') as Record<string, string>,
    secret: hash.secret || null,
    created: hash.created ?? '',
    isBanned: hash.isBanned === '1',
    disabledReason: hash.disabledReason || null,
    version: hash.v,
  };
}

export function hashToState(hash: Record<string, string>): HookState {
  return {
    consecutiveFailures: Number(hash.failures ?? 0),
    lastError: hash.lastError || null,
    lastAttemptAt: hash.lastAttemptAt || null,
    lastSuccessAt: hash.lastSuccessAt || null,
  };
}

/** The Izanami API's view: `{clientId, callbackUrl, domains, patterns, types, headers, created, isBanned}`. */
export function izanamiView(hook: Hook, state: HookState = EMPTY_STATE) {
  return {
    clientId: hook.id,
    callbackUrl: hook.url,
    domains: hook.domains,
    patterns: hook.patterns,
    types: hook.types,
    headers: hook.headers,
    created: hook.created,
    isBanned: hook.isBanned,
    hasSecret: hook.secret !== null,
    consecutiveFailures: state.consecutiveFailures,
    lastError: state.lastError,
    lastAttemptAt: state.lastAttemptAt,
    lastSuccessAt: state.lastSuccessAt,
    disabledReason: hook.disabledReason,
  };
}

/** The Tweek API's view: `{id, keyPath, type, url}`. */
export function tweekView(hook: Hook) {
  return { id: hook.id, keyPath: hook.keyPath ?? '', type: 'notification_webhook', url: hook.url };
}

/**
 * A hook as its `WEBHOOK_*` events carry it: its definition without the secret, and header names without
 * their values (they often hold the receiver's credentials), since listeners may read these events.
 */
export function eventView(hook: Hook) {
  return {
    id: hook.id,
    api: hook.api,
    url: hook.url,
    domains: hook.domains,
    types: hook.types,
    patterns: hook.patterns,
    keyPath: hook.keyPath,
    headerNames: Object.keys(hook.headers),
    created: hook.created,
    isBanned: hook.isBanned,
    disabledReason: hook.disabledReason,
  };
}
