import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The configured token secret, or one shared through Redis by every relay process (made by the first). */
export async function resolveTokenSecret(
  redis: Redis,
  key: string,
  configured: string | undefined,
): Promise<string> {
  if (configured) return configured;
  await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(key);
  if (!secret) throw new Error('token secret missing from Redis after SET NX');
  return secret;
}
