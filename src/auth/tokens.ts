import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived tokens for browsers, whose EventSource cannot send headers: `v1.<claims>.<hmac>` in base64url,
 * claims `{c: clientId, e: expiry ms}`. A token names a key; the key's current rights apply, so deleting the
 * key revokes its tokens at once.
 */
export interface TokenClaims {
  readonly clientId: string;
  readonly expiresAt: number;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`v1.${body}`).digest('base64url');
}

export function issueToken(
  secret: string,
  clientId: string,
  now: number,
  ttlMs: number,
): {
  token: string;
  expiresAt: number;
} {
  const expiresAt = now + ttlMs;
  const body = Buffer.from(JSON.stringify({ c: clientId, e: expiresAt })).toString('base64url');
  return { token: `v1.${body}.${sign(secret, body)}`, expiresAt };
}

/** The claims of a valid, unexpired token, or undefined. */
export function verifyToken(secret: string, token: string, now: number): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return undefined;
  const [, body, mac] = parts as [string, string, string];
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined; // signed by us, so unreachable unless the secret leaked; treat as invalid
  }
  const { c, e } = (claims ?? {}) as { c?: unknown; e?: unknown };
  if (typeof c !== 'string' || typeof e !== 'number' || e <= now) return undefined;
  return { clientId: c, expiresAt: e };
}
