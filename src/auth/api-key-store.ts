import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RelayError } from '../errors/catalogue.js';
import type { AuthInfo, NewEvent, StoredEvent } from '../events/event.js';
import { eventArgs, type Retention, storedFromIds } from '../events/event-store.js';
import type { RelayKeys } from '../redis/keys.js';
import { SCRIPTS } from '../redis/scripts.js';
import { type ApiKey, type ApiKeyRecord, hashToRecord, publicView, recordToHash } from './api-key.js';
import { hashSecret } from './secret-hash.js';

export interface ApiKeyChanges {
  readonly name?: string;
  readonly authorizedPattern?: string;
  readonly admin?: boolean;
  /** A new secret (rotation). */
  readonly clientSecret?: string;
}

function newVersion(): string {
  return randomBytes(8).toString('hex');
}

function apiKeyEvent(type: string, key: ApiKey, authInfo: AuthInfo | null, old?: ApiKey): NewEvent {
  return {
    type,
    key: key.clientId,
    domain: 'ApiKey',
    payload: publicView(key),
    ...(old ? { oldValue: publicView(old) } : {}),
    authInfo,
  };
}

/**
 * API keys in Redis. Every change is one atomic script that writes the key and appends its `APIKEY_*` event,
 * checked against the version that was read, so concurrent changes cannot interleave.
 */
export class ApiKeyStore {
  private readonly changeListeners: ((clientId: string) => void)[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly keys: RelayKeys,
    private readonly retention: Retention,
  ) {}

  /** Calls `listener` after each change this store writes (other processes' show up as APIKEY_* events). */
  onChange(listener: (clientId: string) => void): void {
    this.changeListeners.push(listener);
  }

  async get(clientId: string): Promise<ApiKeyRecord | undefined> {
    return hashToRecord(await this.redis.hgetall(this.keys.apiKey(clientId)));
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = (await this.redis.smembers(this.keys.apiKeyIndex)).sort();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.apiKey(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([err, hash]) => {
        if (err) throw err;
        return hashToRecord(hash as Record<string, string>);
      })
      .filter((r): r is ApiKeyRecord => r !== undefined);
  }

  /** Creates a key; 409 if the clientId is taken. */
  async create(
    key: ApiKey & { clientSecret: string; bootstrap?: boolean },
    authInfo: AuthInfo | null,
  ): Promise<{ record: ApiKeyRecord; events: StoredEvent[] }> {
    const record: ApiKeyRecord = {
      ...publicView(key),
      secretHash: await hashSecret(key.clientSecret),
      bootstrap: key.bootstrap ?? false,
      version: newVersion(),
    };
    const event = apiKeyEvent('APIKEY_CREATED', record, authInfo);
    const events = await this.write(record.clientId, '', record, event);
    if (!events)
      throw new RelayError('RELAY_ERR_CONFLICT', `An API key with clientId ${key.clientId} exists`);
    return { record, events };
  }

  /** Changes a key (retrying if another change lands between read and write); 404 if there is none. */
  async update(clientId: string, changes: ApiKeyChanges, authInfo: AuthInfo | null): Promise<ApiKeyRecord> {
    const secretHash =
      changes.clientSecret === undefined ? undefined : await hashSecret(changes.clientSecret);
    for (;;) {
      const current = await this.get(clientId);
      if (!current) throw new RelayError('RELAY_ERR_NOT_FOUND', `No API key ${clientId}`);
      const next: ApiKeyRecord = {
        ...current,
        name: changes.name ?? current.name,
        authorizedPattern: changes.authorizedPattern ?? current.authorizedPattern,
        admin: changes.admin ?? current.admin,
        secretHash: secretHash ?? current.secretHash,
        version: newVersion(),
      };
      const event = apiKeyEvent('APIKEY_UPDATED', next, authInfo, current);
      if (await this.write(clientId, current.version, next, event)) return next;
    }
  }

  /** Deletes a key; 404 if there is none. */
  async delete(clientId: string, authInfo: AuthInfo | null): Promise<void> {
    for (;;) {
      const current = await this.get(clientId);
      if (!current) throw new RelayError('RELAY_ERR_NOT_FOUND', `No API key ${clientId}`);
      const event = apiKeyEvent('APIKEY_DELETED', current, authInfo);
      if (await this.write(clientId, current.version, undefined, event)) return;
    }
  }

  /** Runs the write script; undefined when the record was not at the expected version. */
  private async write(
    clientId: string,
    expectedVersion: string,
    record: ApiKeyRecord | undefined,
    event: NewEvent,
  ): Promise<StoredEvent[] | undefined> {
    const fields = record ? Object.entries(recordToHash(record)).flat() : [];
    const reply = (await SCRIPTS.writeRecord.run(
      this.redis,
      [this.keys.events, this.keys.eventsMeta, this.keys.apiKey(clientId), this.keys.apiKeyIndex],
      [
        this.retention.retentionMs,
        this.retention.maxLength,
        expectedVersion,
        clientId,
        fields.length / 2,
        ...fields,
        ...eventArgs([event]),
      ],
    )) as string[];
    if (reply[0] !== 'ok') return undefined;
    for (const listener of this.changeListeners) listener(clientId);
    return storedFromIds(reply.slice(1), [event]);
  }
}
