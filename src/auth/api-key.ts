import type { AuthInfo } from '../events/event.js';

/** An API key as the API shows it: never its secret. */
export interface ApiKey {
  readonly clientId: string;
  readonly name: string;
  readonly authorizedPattern: string;
  readonly admin: boolean;
}

/** The key record kept in Redis. */
export interface ApiKeyRecord extends ApiKey {
  readonly secretHash: string;
  /** Set on the key the relay made itself at first start (no admin key configured). */
  readonly bootstrap: boolean;
  /** Changes on every write: the version the write script checks. */
  readonly version: string;
}

/** Who is calling: the key's rights, whether it came with its secret or as a token. */
export interface Principal extends ApiKey {
  readonly via: 'secret' | 'token';
}

export function publicView(key: ApiKey): ApiKey {
  return {
    clientId: key.clientId,
    name: key.name,
    authorizedPattern: key.authorizedPattern,
    admin: key.admin,
  };
}

export function authInfoOf(principal: ApiKey): AuthInfo {
  return { clientId: principal.clientId, name: principal.name };
}

export function recordToHash(record: ApiKeyRecord): Record<string, string> {
  return {
    clientId: record.clientId,
    name: record.name,
    authorizedPattern: record.authorizedPattern,
    admin: record.admin ? '1' : '0',
    secretHash: record.secretHash,
    bootstrap: record.bootstrap ? '1' : '0',
    v: record.version,
  };
}

export function hashToRecord(hash: Record<string, string>): ApiKeyRecord | undefined {
  if (!hash.clientId || !hash.secretHash || !hash.v) return undefined;
  return {
    clientId: hash.clientId,
    name: hash.name ?? '',
    authorizedPattern: hash.authorizedPattern ?? '*',
    admin: hash.admin === '1',
    secretHash: hash.secretHash,
    bootstrap: hash.bootstrap === '1',
    version: hash.v,
  };
}
