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

type Claimant =
  | { readonly via: 'token'; readonly clientId: string }
  | { readonly via: 'secret'; readonly clientId: string; readonly secret: string };

/** Turns credentials into a principal (the key's current rights), or a 401. */
export class Authenticator {
  private readonly lastRead = new Map<string, { record: ApiKeyRecord; at: number; fresh: boolean }>();
  private readonly principals = new WeakMap<ApiKeyRecord, { secret?: Principal; token?: Principal }>();
  /** Counts `forget` calls: a read that a change overtook is not reused. */
  private changes = 0;

  constructor(private readonly deps: AuthenticatorDeps) {}

  /**
   * The principal from memory alone, when that is enough: a key in use (its record read under
   * FRESH_RECORD_MS ago, its secret verified before) or a valid token of such a key. Undefined when it takes
   * a read of the record or a verification of the secret (then `authenticate`); throws the refusals that need
   * neither (no credentials, a secret in the URL, a bad token). The publish path of a busy key thus costs no
   * promise (src/http/middleware/authenticate.ts).
   */
  fromMemory(credentials: Credentials, options: AuthenticateOptions): Principal | undefined {
    return this.admit(this.claimant(credentials, options));
  }

  async authenticate(credentials: Credentials, options: AuthenticateOptions): Promise<Principal> {
    const claimant = this.claimant(credentials, options);
    const known = this.admit(claimant);
    if (known) return known;
    const record =
      this.freshRecord(claimant.clientId) ?? (await this.readRecord(claimant.clientId, options.listening));
    if (claimant.via === 'token') {
      if (!record) throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'The token is invalid or expired');
      return this.principalOf(record, 'token');
    }
    const verified = this.deps.verified;
    if (
      !record ||
      !(
        verified.known(claimant.secret, record.secretHash) ||
        (await verified.verify(claimant.secret, record.secretHash))
      )
    ) {
      throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
    }
    return this.principalOf(record, 'secret');
  }

  /** Who the credentials say they are (a token's signature and expiry checked), or a 401. */
  private claimant(credentials: Credentials, options: AuthenticateOptions): Claimant {
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
        if (!claims) throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'The token is invalid or expired');
        return { via: 'token', clientId: claims.clientId };
      }
      case 'secret': {
        const { clientId, clientSecret } = credentials;
        if (!clientId || !clientSecret) throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
        return { via: 'secret', clientId, secret: clientSecret };
      }
    }
  }

  /** The claimant's principal if memory suffices: its record fresh and, for a secret, the secret known. */
  private admit(claimant: Claimant): Principal | undefined {
    const record = this.freshRecord(claimant.clientId);
    if (!record) return undefined;
    if (claimant.via === 'token') return this.principalOf(record, 'token');
    return this.deps.verified.known(claimant.secret, record.secretHash)
      ? this.principalOf(record, 'secret')
      : undefined;
  }

  /** One principal per record read and way in, made once: requests of a key in use share it. */
  private principalOf(record: ApiKeyRecord, via: Principal['via']): Principal {
    let made = this.principals.get(record);
    if (!made) {
      made = {};
      this.principals.set(record, made);
    }
    made[via] ??= Object.freeze({ ...publicView(record), via });
    return made[via];
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
