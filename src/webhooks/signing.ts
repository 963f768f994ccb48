import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), made by the
 * `standardwebhooks` library so that its `verify` — and every receiver built on it — accepts them.
 */

export interface SignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

export const SECRET_PREFIX = 'whsec_';

/** Bytes of key in a generated secret (the spec asks for 24 to 64). */
export const GENERATED_SECRET_BYTES = 32;
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;

/** Canonical, padded standard base64 (the alphabet the library decodes). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The headers of one delivery attempt. `msgId` must be the same on every retry of a delivery (receivers
 * de-duplicate on it); `timestamp` is the attempt's time (injected clock), sent in whole seconds; `body` is the
 * exact string that is POSTed. Throws if the secret is not valid (see isValidWebhookSecret).
 */
export function signDelivery(secret: string, msgId: string, timestamp: Date, body: string): SignatureHeaders {
  if (!isValidWebhookSecret(secret)) throw new TypeError('Not a Standard Webhooks secret (whsec_ + base64)');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, timestamp, body),
  };
}

/**
 * A new secret: `whsec_` and the base64 of GENERATED_SECRET_BYTES bytes from `randomBytes` (crypto.randomBytes
 * in production, a fixed source in tests).
 */
export function generateWebhookSecret(randomBytes: (size: number) => Uint8Array): string {
  const bytes = randomBytes(GENERATED_SECRET_BYTES);
  if (bytes.length !== GENERATED_SECRET_BYTES) {
    throw new RangeError(`randomBytes returned ${bytes.length} bytes, not ${GENERATED_SECRET_BYTES}`);
  }
  return SECRET_PREFIX + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Whether `secret` is `whsec_` followed by canonical padded base64 of 24 to 64 bytes. Stricter than the
 * library, which accepts stray padding and decodes an unprefixed key too: a secret the relay stores is one
 * every Standard Webhooks library reads the same way.
 */
export function isValidWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || encoded.length > Math.ceil(MAX_SECRET_BYTES / 3) * 4) return false;
  if (!BASE64.test(encoded)) return false;
  const padding = encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0;
  const bytes = (encoded.length / 4) * 3 - padding;
  return bytes >= MIN_SECRET_BYTES && bytes <= MAX_SECRET_BYTES;
}
