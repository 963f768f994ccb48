import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { issueToken, verifyToken } from '../../src/auth/tokens.js';

// CONTRACT.md, Authentication: `POST /api/tokens` → `{token, expiresAt}`, a short-lived signed token carrying
// the key's rights. The clock is injected: `now` in milliseconds.

const SECRET = 'a-token-secret-of-at-least-32-characters';
const NOW = Date.UTC(2026, 10, 24, 11, 0, 0, 0);
const TTL = 15 * 60_000;

function b64(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** A token signed with SECRET over any claims, as the relay would sign it. */
function forge(claims: unknown, secret = SECRET): string {
  const body = b64(claims);
  return `v1.${body}.${createHmac('sha256', secret).update(`v1.${body}`).digest('base64url')}`;
}

describe('issueToken', () => {
  it('expires ttl after now', () => {
    assert.equal(issueToken(SECRET, 'app', NOW, TTL).expiresAt, NOW + TTL);
  });

  it('is URL-safe, so it can travel as ?token=', () => {
    const { token } = issueToken(SECRET, 'app:with/odd+chars?&=', NOW, TTL);
    assert.match(token, /^[A-Za-z0-9_.-]+$/);
    assert.equal(encodeURIComponent(token), token);
  });

  it('differs from one key to another, and from one expiry to another', () => {
    const a = issueToken(SECRET, 'a', NOW, TTL).token;
    assert.notEqual(a, issueToken(SECRET, 'b', NOW, TTL).token);
    assert.notEqual(a, issueToken(SECRET, 'a', NOW + 1, TTL).token);
  });

  it('does not carry a secret, only the key id and the expiry', () => {
    const { token } = issueToken(SECRET, 'app', NOW, TTL);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
    assert.deepEqual(claims, { c: 'app', e: NOW + TTL });
    assert.ok(!token.includes(SECRET));
  });
});

describe('verifyToken', () => {
  it('gives back the key id and expiry of a valid token', () => {
    const { token, expiresAt } = issueToken(SECRET, 'app', NOW, TTL);
    assert.deepEqual(verifyToken(SECRET, token, NOW), { clientId: 'app', expiresAt });
  });

  it('is valid until the last millisecond before expiry, invalid from expiry on', () => {
    const { token, expiresAt } = issueToken(SECRET, 'app', NOW, TTL);
    assert.ok(verifyToken(SECRET, token, expiresAt - 1));
    assert.equal(verifyToken(SECRET, token, expiresAt), undefined);
    assert.equal(verifyToken(SECRET, token, expiresAt + 86_400_000), undefined);
  });

  it('a token issued with no lifetime is never valid', () => {
    const { token } = issueToken(SECRET, 'app', NOW, 0);
    assert.equal(verifyToken(SECRET, token, NOW), undefined);
  });

  it('keeps key ids with any characters', () => {
    for (const clientId of ['a:b/c', 'é漢字🙂', 'x.y.z', '']) {
      const { token } = issueToken(SECRET, clientId, NOW, TTL);
      assert.equal(verifyToken(SECRET, token, NOW)?.clientId, clientId);
    }
  });

  it('refuses a token signed with another secret', () => {
    const { token } = issueToken(`${SECRET}-other`, 'app', NOW, TTL);
    assert.equal(verifyToken(SECRET, token, NOW), undefined);
  });

  it('refuses a body changed to another key', () => {
    const { token } = issueToken(SECRET, 'reader', NOW, TTL);
    const [v, , mac] = token.split('.');
    const tampered = `${v}.${b64({ c: 'admin', e: NOW + TTL })}.${mac}`;
    assert.equal(verifyToken(SECRET, tampered, NOW), undefined);
  });

  it('refuses a body changed to a later expiry', () => {
    const { token } = issueToken(SECRET, 'app', NOW, TTL);
    const [v, , mac] = token.split('.');
    const tampered = `${v}.${b64({ c: 'app', e: NOW + 365 * 86_400_000 })}.${mac}`;
    assert.equal(verifyToken(SECRET, tampered, NOW + TTL + 1), undefined);
  });

  it('refuses a changed, cut or extended signature', () => {
    const { token } = issueToken(SECRET, 'app', NOW, TTL);
    const [v, body, mac] = token.split('.') as [string, string, string];
    const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    for (const bad of [flipped, mac.slice(0, -1), `${mac}A`, '', mac.toUpperCase()]) {
      if (bad === mac) continue;
      assert.equal(verifyToken(SECRET, `${v}.${body}.${bad}`, NOW), undefined, bad);
    }
  });

  it('refuses the signature of one token on the body of another', () => {
    const a = issueToken(SECRET, 'a', NOW, TTL).token.split('.');
    const b = issueToken(SECRET, 'b', NOW, TTL).token.split('.');
    assert.equal(verifyToken(SECRET, `v1.${a[1]}.${b[2]}`, NOW), undefined);
  });

  for (const bad of ['', 'v1', 'v1..', 'v1.a.b', 'v2.a.b', 'a.b.c.d', 'not a token', '...']) {
    it(`refuses the malformed ${JSON.stringify(bad)}`, () => {
      assert.equal(verifyToken(SECRET, bad, NOW), undefined);
    });
  }

  it('refuses another version tag even with a valid signature over the rest', () => {
    const { token } = issueToken(SECRET, 'app', NOW, TTL);
    assert.equal(verifyToken(SECRET, token.replace(/^v1\./, 'v2.'), NOW), undefined);
  });

  it('refuses signed claims of the wrong shape', () => {
    assert.ok(verifyToken(SECRET, forge({ c: 'app', e: NOW + TTL }), NOW), 'the forger signs like the relay');
    for (const claims of [
      { c: 1, e: NOW + TTL },
      { c: 'app', e: String(NOW + TTL) },
      { c: 'app' },
      { e: NOW + TTL },
      null,
      [],
      'app',
    ]) {
      assert.equal(verifyToken(SECRET, forge(claims), NOW), undefined, JSON.stringify(claims));
    }
  });

  it('refuses a signed body that is not JSON', () => {
    const body = Buffer.from('not json').toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`v1.${body}`).digest('base64url');
    assert.equal(verifyToken(SECRET, `v1.${body}.${mac}`, NOW), undefined);
  });
});
