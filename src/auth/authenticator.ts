import { RelayError } from '../errors/catalogue.js';
import { type Principal, publicView } from './api-key.js';
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

/** Turns credentials into a principal (the key's current rights), or a 401. */
export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  async authenticate(credentials: Credentials, allowToken: boolean): Promise<Principal> {
    switch (credentials.kind) {
      case 'secret-in-url':
        throw new RelayError('RELAY_ERR_SECRET_IN_URL');
      case 'none':
        throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
      case 'token': {
        if (!allowToken) {
          throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'Tokens are accepted on the SSE routes only');
        }
        const claims = verifyToken(this.deps.tokenSecret, credentials.token, this.deps.now());
        if (!claims) throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'The token is invalid or expired');
        const record = await this.deps.apiKeys.get(claims.clientId);
        if (!record) throw new RelayError('RELAY_ERR_UNAUTHENTICATED', 'The token is invalid or expired');
        return { ...publicView(record), via: 'token' };
      }
      case 'secret': {
        const { clientId, clientSecret } = credentials;
        const record = clientId && clientSecret ? await this.deps.apiKeys.get(clientId) : undefined;
        if (!record || !(await this.deps.verified.verify(clientSecret, record.secretHash))) {
          throw new RelayError('RELAY_ERR_UNAUTHENTICATED');
        }
        return { ...publicView(record), via: 'secret' };
      }
    }
  }
}
