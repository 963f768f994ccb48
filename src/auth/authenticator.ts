import { RelayError } from '../errors/catalogue.js';
import { isRedisUnavailable } from '../errors/redis-unavailable.js';
import { type ApiKeyRecord, type Principal, publicView } from './api-key.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { Credentials } from './credentials.js';
import type { VerifiedSecrets } from './secret-hash.js';
import { verifyToken } from './tokens.js';

export interface AuthenticatorDeps {
  readonly apiKeys: ApiKeyStore;
  readonly verified: VerifiedSecrets;
  readonly tokenSecret: string;
  readonly now: () => number;
}

export interface AuthenticateOptions {
  /**
   * The SSE routes: tokens are accepted, and while Redis is unreachable a key record read in the last
   * STALE_RECORD_MS still admits the listener. A browser EventSource that gets a non-200 gives up for good, so
   * a Redis restart must not turn its reconnection into a 503; nothing can be published meanwhile anyway.
   */
  readonly listening: boolean;
}

const STALE_RECORD_MS = 10 * 60_000;
const REMEMBERED_RECORDS = 10_000;
/**
 * How long a key record read is used without reading it again. A change is forgotten at once in the process
 * that writes it and, in the others, as soon as their tail reader sees its APIKEY_* event (`forget`); this
 * bound only covers an event missed meanwhile (a tail reader restarting).
 */
export const FRESH_RECORD_MS = 1000;

/** Turns credentials into a principal (the key's current rights), or a 401. */
export class Authenticator {
  private readonly lastRead = new Map<string, { record: ApiKeyRecord; at: number; fresh: boolean }>();
  /** Counts `forget` calls: a read that a change overtook is not reused. */
  private changes = 0;

  constructor(private readonly deps: AuthenticatorDeps) {}

  async authenticate(credentials: Credentials, options: AuthenticateOptions): Promise<Principal> {
    switch (credentials.kind) {
      case 'secret-in-url':
        throw new RelayError('RELAY_ERR_SECRET_IN_URL');
      case 'none':
        throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
      case 'token': {
        if (!options.listening) {
          throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'Tokens are accepted on the SSE routes only');
        }
        const claims = verifyToken(this.deps.tokenSecret, credentials.token, this.deps.now());
        const record =
          claims &&
          (this.freshRecord(claims.clientId) ?? (await this.readRecord(claims.clientId, options.listening)));
        if (!record) throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'The token is invalid or expired');
        return { ...publicView(record), via: 'token' };
      }
      case 'secret': {
        const { clientId, clientSecret } = credentials;
        // a key in use: its record read under FRESH_RECORD_MS ago and its secret verified before, no await
        const record =
          clientId && clientSecret
            ? (this.freshRecord(clientId) ?? (await this.readRecord(clientId, options.listening)))
            : undefined;
        const verified = this.deps.verified;
        if (
          !record ||
          !(
            verified.known(clientSecret, record.secretHash) ||
            (await verified.verify(clientSecret, record.secretHash))
          )
        ) {
          throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
        }
        return { ...publicView(record), via: 'secret' };
      }
    }
  }

  /** Drops what is remembered of a key: it changed (or was deleted). */
  forget(clientId: string): void {
    this.changes += 1;
    this.lastRead.delete(clientId);
  }

  /** The key's record if read in the last FRESH_RECORD_MS and not changed since. */
  private freshRecord(clientId: string): ApiKeyRecord | undefined {
    const seen = this.lastRead.get(clientId);
    return seen?.fresh && this.deps.now() - seen.at < FRESH_RECORD_MS ? seen.record : undefined;
  }

  /**
   * The key's record read now (callers try `freshRecord` first, without an await); for a listener, the last
   * one read if Redis is away.
   */
  private async readRecord(clientId: string, listening: boolean): Promise<ApiKeyRecord | undefined> {
    const changes = this.changes;
    try {
      const record = await this.deps.apiKeys.get(clientId);
      this.lastRead.delete(clientId);
      if (record) {
        if (this.lastRead.size >= REMEMBERED_RECORDS)
          this.lastRead.delete(this.lastRead.keys().next().value as string);
        this.lastRead.set(clientId, { record, at: this.deps.now(), fresh: changes === this.changes });
      }
      return record;
    } catch (err) {
      const seen = this.lastRead.get(clientId);
      if (listening && isRedisUnavailable(err) && seen && this.deps.now() - seen.at < STALE_RECORD_MS) {
        return seen.record;
      }
      throw err;
    }
  }
}
