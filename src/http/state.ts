import type { Principal } from '../auth/api-key.js';
import type { Logger } from '../logging/logger.js';

/** What the middleware puts on `ctx.state`. */
export interface RelayState {
  requestId: string;
  logger: Logger;
  principal?: Principal;
  body?: unknown;
}
