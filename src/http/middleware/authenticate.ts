import type Koa from 'koa';
import type { AuthenticateOptions, Authenticator } from '../../auth/authenticator.js';
import { readCredentials } from '../../auth/credentials.js';
import { RelayError } from '../../errors/catalogue.js';
import type { RelayState } from '../state.js';

function firstQueryValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Authenticates the request with its key (or, on the SSE routes, a browser token) into `ctx.state.principal`.
 */
export function authenticate(
  authenticator: Authenticator,
  options: AuthenticateOptions = { listening: false },
) {
  // not async: a key in use is admitted from memory, and the request goes on without a promise of its own
  return function requireKey(ctx: Koa.ParameterizedContext<RelayState>, next: Koa.Next): Promise<unknown> {
    // most requests have no query string: nothing to parse then
    const hasQuery = ctx.querystring !== '';
    const credentials = readCredentials({
      header: (name) => ctx.get(name) || undefined,
      query: (name) => (hasQuery ? firstQueryValue(ctx.query[name]) : undefined),
    });
    if (options.listening && credentials.kind === 'token') ctx.state.challenge = false;
    const known = authenticator.fromMemory(credentials, options);
    if (known) {
      ctx.state.principal = known;
      return next();
    }
    return authenticator.authenticate(credentials, options).then((principal) => {
      ctx.state.principal = principal;
      return next();
    });
  };
}

export async function requireAdmin(ctx: Koa.ParameterizedContext<RelayState>, next: Koa.Next): Promise<void> {
  if (!ctx.state.principal?.admin)
    throw new RelayError('RELAY_ERR_FORBIDDEN', 'This route needs an admin key');
  await next();
}

/**
 * An admin route's middleware: the key, then the admin check. Put on each route, never in a prefixed router's
 * `use()`: @koa/router matches `use()` middleware with a case-sensitive regexp but routes case-insensitively,
 * so `GET /API/APIKEYS` skipped authentication.
 */
export function adminOnly(authenticator: Authenticator) {
  return [authenticate(authenticator), requireAdmin] as const;
}
