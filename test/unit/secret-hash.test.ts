import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { before, describe, it, mock } from 'node:test';
import { generateSecret, hashSecret, VerifiedSecrets, verifySecret } from '../../src/auth/secret-hash.js';

// CONTRACT.md: a key's `clientSecret` is shown once and stored hashed. The module's own promise: scrypt with
// a random salt, `scrypt$N$r$p$salt$hash`, and verifications remembered so a busy client costs one scrypt.

const SECRET = 'correct horse battery staple';
let stored: string;
let storedAgain: string;
let otherStored: string;

before(async () => {
  [stored, storedAgain, otherStored] = await Promise.all([
    hashSecret(SECRET),
    hashSecret(SECRET),
    hashSecret('another secret'),
  ]);
});

/** Counts the scrypt runs made while `fn` runs (secret-hash imports `scrypt` from node:crypto). */
async function countScrypt(fn: () => Promise<void>): Promise<number> {
  const spy = mock.method(crypto, 'scrypt');
  syncBuiltinESMExports();
  try {
    await fn();
    return spy.mock.callCount();
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
}

describe('hashSecret', () => {
  it('writes scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte hash in base64url', () => {
    assert.match(stored, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('uses memory-hard parameters (N ≥ 2^14)', () => {
    const [, n, r, p] = stored.split('$').map(Number);
    assert.ok((n as number) >= 16384 && Number.isInteger(Math.log2(n as number)), `N=${n}`);
    assert.ok((r as number) >= 8);
    assert.ok((p as number) >= 1);
  });

  it('is the scrypt of the secret with the written salt and parameters', () => {
    const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
    const derived = crypto.scryptSync(SECRET, Buffer.from(salt, 'base64url'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 256 * Number(n) * Number(r),
    });
    assert.equal(derived.toString('base64url'), hash);
  });

  it('salts every hash: the same secret hashes differently each time', () => {
    assert.notEqual(stored, storedAgain);
    assert.notEqual(stored.split('$')[4], storedAgain.split('$')[4]);
  });

  it('never holds the secret', () => {
    assert.ok(!stored.includes(SECRET));
    assert.ok(!stored.includes(Buffer.from(SECRET).toString('base64url')));
  });
});

describe('verifySecret', () => {
  it('is true for the secret that was hashed, whichever salt', async () => {
    assert.equal(await verifySecret(SECRET, stored), true);
    assert.equal(await verifySecret(SECRET, storedAgain), true);
  });

  it('is false for any other secret', async () => {
    for (const wrong of [
      '',
      'correct horse battery stapl',
      `${SECRET} `,
      SECRET.toUpperCase(),
      'another secret',
    ]) {
      assert.equal(await verifySecret(wrong, stored), false, JSON.stringify(wrong));
    }
    assert.equal(await verifySecret(SECRET, otherStored), false);
  });

  it('is false, not an error, for a damaged record whose cost parameters scrypt would refuse', async () => {
    const [, , r, p, salt, hash] = stored.split('$');
    for (const n of ['x', '0', '1000', '-16384', String(2 ** 30)]) {
      assert.equal(await verifySecret(SECRET, ['scrypt', n, r, p, salt, hash].join('$')), false, n);
    }
    assert.equal(await verifySecret(SECRET, ['scrypt', '16384', '0', p, salt, hash].join('$')), false);
  });

  it('is false for a stored value in another format', async () => {
    for (const bad of [
      '',
      SECRET,
      `plain$${SECRET}`,
      'bcrypt$2b$10$abc',
      stored.replace(/^scrypt/, 'sha256'),
    ]) {
      assert.equal(await verifySecret(SECRET, bad), false, bad);
    }
    assert.equal(await verifySecret(SECRET, `${stored}$extra`), false);
    assert.equal(await verifySecret(SECRET, stored.split('$').slice(0, 5).join('$')), false);
  });

  it('is false when the stored hash was changed', async () => {
    const parts = stored.split('$');
    const hash = parts[5] as string;
    parts[5] = `${hash[0] === 'A' ? 'B' : 'A'}${hash.slice(1)}`;
    assert.equal(await verifySecret(SECRET, parts.join('$')), false);
    parts[5] = hash.slice(0, -2);
    assert.equal(await verifySecret(SECRET, parts.join('$')), false, 'a shorter hash');
  });
});

describe('VerifiedSecrets', () => {
  it('verifies like verifySecret', async () => {
    const cache = new VerifiedSecrets();
    assert.equal(await cache.verify(SECRET, stored), true);
    assert.equal(await cache.verify('wrong', stored), false);
    assert.equal(await cache.verify(SECRET, otherStored), false);
  });

  it('runs scrypt once for a pair that verified, then answers from memory', async () => {
    const cache = new VerifiedSecrets();
    const runs = await countScrypt(async () => {
      for (let i = 0; i < 5; i++) assert.equal(await cache.verify(SECRET, stored), true);
    });
    assert.equal(runs, 1);
  });

  it('knows, without scrypt or a promise, only a pair that verified', async () => {
    const cache = new VerifiedSecrets();
    assert.equal(cache.known(SECRET, stored), false, 'nothing verified yet');
    assert.equal(await cache.verify('wrong', stored), false);
    assert.equal(cache.known('wrong', stored), false, 'a failure is not known');
    assert.equal(await cache.verify(SECRET, stored), true);
    assert.equal(cache.known(SECRET, stored), true);
    assert.equal(cache.known('wrong', stored), false, 'another secret for the same hash');
    assert.equal(cache.known(SECRET, otherStored), false, 'the same secret for another hash');
  });

  it('never remembers a failure as a success, nor a success for another secret', async () => {
    const cache = new VerifiedSecrets();
    assert.equal(await cache.verify(SECRET, stored), true);
    const runs = await countScrypt(async () => {
      assert.equal(await cache.verify('wrong', stored), false);
      assert.equal(await cache.verify('wrong', stored), false);
    });
    assert.equal(runs, 2, 'each wrong attempt is checked in full');
    assert.equal(await cache.verify(SECRET, stored), true);
  });

  it('a new stored hash (secret changed) is checked in full', async () => {
    const cache = new VerifiedSecrets();
    assert.equal(await cache.verify(SECRET, stored), true);
    const runs = await countScrypt(async () => {
      assert.equal(await cache.verify(SECRET, otherStored), false);
    });
    assert.equal(runs, 1);
  });

  it('shares one scrypt among simultaneous checks of the same pair', async () => {
    const cache = new VerifiedSecrets();
    const runs = await countScrypt(async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => cache.verify(SECRET, stored)));
      assert.deepEqual(results, Array(10).fill(true));
    });
    assert.equal(runs, 1);
  });

  it('simultaneous checks of different secrets are not mixed up', async () => {
    const cache = new VerifiedSecrets();
    const results = await Promise.all([
      cache.verify(SECRET, stored),
      cache.verify('wrong', stored),
      cache.verify(SECRET, stored),
      cache.verify('wrong', stored),
    ]);
    assert.deepEqual(results, [true, false, true, false]);
  });

  it('forgets the oldest pair past its capacity', async () => {
    const cache = new VerifiedSecrets(1);
    assert.equal(await cache.verify(SECRET, stored), true);
    assert.equal(await cache.verify(SECRET, storedAgain), true);
    const runs = await countScrypt(async () => {
      assert.equal(await cache.verify(SECRET, storedAgain), true);
      assert.equal(await cache.verify(SECRET, stored), true);
    });
    assert.equal(runs, 1, 'the newest pair is remembered, the oldest checked again');
  });
});

describe('generateSecret', () => {
  it('is 32 random bytes in base64url', () => {
    const a = generateSecret();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateSecret());
  });

  it('never starts with `-`, which a command line would take for an option', () => {
    // 1 in 64 random base64url strings does: 2,000 without one would be chance about once in 4·10^13
    const leading = new Set(Array.from({ length: 2000 }, () => generateSecret()[0]));
    assert.equal(leading.has('-'), false);
    assert.ok(leading.size > 40, `${leading.size} different first characters`);
  });
});
