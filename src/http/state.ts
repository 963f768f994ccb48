import type { Principal } from '../auth/api-key.js';
import type { Logger } from '../logging/logger.js';

/** What the middleware puts on `ctx.state`. */
export interface RelayState {
  requestId: string;
  logger: Logger;
  principal?: Principal;
  /**
   * False when a 401 must not ask for HTTP Basic: a browser EventSource that presented a token (expired,
   * revoked) would otherwise stall on a password prompt instead of failing and fetching a new token.
   */
  challenge?: boolean;
  body?: unknown;
}
