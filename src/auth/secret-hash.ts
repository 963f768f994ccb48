import * as nodeCrypto from 'node:crypto';
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * API key secrets at rest: scrypt (a slow, memory-hard hash) with a random salt, written as
 * `scrypt$N$r$p$salt$hash`. Verifications that succeeded are remembered in memory by a fast digest, so a busy
 * client costs one scrypt per process, not one per request.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // A damaged record (cost parameters scrypt would refuse) verifies nothing.
  if (
    ![n, r, p].every((x) => Number.isInteger(x) && x > 0) ||
    n > 1 << 20 ||
    (n & (n - 1)) !== 0 ||
    r * p > 64
  ) {
    return false;
  }
  const expected = Buffer.from(parts[5] as string, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(parts[4] as string, 'base64url'), n, r, p);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** SHA-256, base64url: one-shot `crypto.hash` where Node has it (20.12 and later), twice as fast for a secret. */
const oneShot = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;
const sha256: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'base64url')
  : (text) => createHash('sha256').update(text).digest('base64url');

/**
 * Remembers (stored hash, secret digest) pairs that verified, bounded, oldest forgotten first. Checks of the
 * same pair already under way are shared: N listeners reconnecting at once with one key cost one scrypt, not N.
 */
export class VerifiedSecrets {
  private readonly seen = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  constructor(private readonly capacity = 10_000) {}

  private static digest(secret: string): string {
    return sha256(secret);
  }

  /** Whether the pair verified before: no scrypt and no promise, as for every request of a key in use. */
  known(secret: string, stored: string): boolean {
    return this.seen.get(stored) === VerifiedSecrets.digest(secret);
  }

  async verify(secret: string, stored: string): Promise<boolean> {
    const digest = VerifiedSecrets.digest(secret);
    if (this.seen.get(stored) === digest) return true;
    const pair = `${stored}\n${digest}`;
    let check = this.inFlight.get(pair);
    if (!check) {
      check = verifySecret(secret, stored).finally(() => this.inFlight.delete(pair));
      this.inFlight.set(pair, check);
    }
    if (!(await check)) return false;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(stored, digest);
    return true;
  }
}

export function generateSecret(): string {
  // never starting with `-` (1 in 64 would), which a command line takes for an option (`--client-secret -x…`)
  for (;;) {
    const secret = randomBytes(32).toString('base64url');
    if (secret[0] !== '-') return secret;
  }
}
