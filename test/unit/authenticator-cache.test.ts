import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiKeyRecord } from '../../src/auth/api-key.js';
import type { ApiKeyStore } from '../../src/auth/api-key-store.js';
import { Authenticator, FRESH_RECORD_MS } from '../../src/auth/authenticator.js';
import { hashSecret, VerifiedSecrets } from '../../src/auth/secret-hash.js';

// A key record read is reused for FRESH_RECORD_MS, unless the key changed meanwhile (`forget`: this process'
// own writes, other processes' APIKEY_* events seen by the tail reader): the publish path then costs no Redis
// read for its key.

const SECRET = 'a-secret-of-the-app-key-0123456789';

async function setUp() {
  const record: ApiKeyRecord = {
    clientId: 'app',
    name: 'The app',
    authorizedPattern: '*',
    admin: false,
    secretHash: await hashSecret(SECRET),
    bootstrap: false,
    version: 'v1',
  };
  const state = { record: record as ApiKeyRecord | undefined, reads: 0, clock: 1_000_000 };
  let onRead: (() => void) | undefined;
  const apiKeys = {
    get: async () => {
      state.reads += 1;
      const read = state.record;
      onRead?.();
      return read;
    },
  } as unknown as ApiKeyStore;
  const auth = new Authenticator({
    apiKeys,
    verified: new VerifiedSecrets(),
    tokenSecret: 'token-secret',
    now: () => state.clock,
  });
  const call = () =>
    auth.authenticate({ kind: 'secret', clientId: 'app', clientSecret: SECRET }, { listening: false });
  return { auth, state, call, record, whileReading: (fn: () => void) => (onRead = fn) };
}

describe('Authenticator: key records read once per FRESH_RECORD_MS', () => {
  it('reads a key once, then again when its record is FRESH_RECORD_MS old', async () => {
    const { state, call } = await setUp();
    await call();
    await call();
    assert.equal(state.reads, 1);
    state.clock += FRESH_RECORD_MS;
    await call();
    assert.equal(state.reads, 2);
  });

  it('reads it again at once after `forget` (the key changed or was deleted)', async () => {
    const { auth, state, call, record } = await setUp();
    await call();
    auth.forget('app');
    state.record = { ...record, name: 'Renamed' };
    assert.equal((await call()).name, 'Renamed');
    auth.forget('app');
    state.record = undefined;
    await assert.rejects(call, { code: 'RELAY_ERR_UNAUTHENTICATED' });
    assert.equal(state.reads, 3);
  });

  it('does not reuse a read that a change overtook', async () => {
    const { auth, state, call, whileReading } = await setUp();
    whileReading(() => auth.forget('app'));
    await call();
    whileReading(() => undefined);
    await call();
    assert.equal(state.reads, 2, 'the record read while the key changed is read again');
  });
});

describe('Authenticator.fromMemory: a key in use admitted without a promise', () => {
  const secret = (clientSecret: string) => ({ kind: 'secret', clientId: 'app', clientSecret }) as const;
  const publishing = { listening: false };

  it('answers undefined until the record is read and the secret verified, then the principal', async () => {
    const { auth, call } = await setUp();
    assert.equal(auth.fromMemory(secret(SECRET), publishing), undefined);
    const principal = await call();
    assert.deepEqual(auth.fromMemory(secret(SECRET), publishing), principal);
    assert.equal(principal.via, 'secret');
  });

  it('never admits a wrong secret, even for a key whose record is fresh', async () => {
    const { auth, call } = await setUp();
    await call();
    assert.equal(auth.fromMemory(secret(`${SECRET}x`), publishing), undefined);
    await assert.rejects(auth.authenticate(secret(`${SECRET}x`), publishing), {
      code: 'RELAY_ERR_UNAUTHENTICATED',
    });
  });

  it('answers undefined again once the record is stale or the key changed', async () => {
    const { auth, state, call } = await setUp();
    await call();
    state.clock += FRESH_RECORD_MS;
    assert.equal(auth.fromMemory(secret(SECRET), publishing), undefined);
    await call();
    auth.forget('app');
    assert.equal(auth.fromMemory(secret(SECRET), publishing), undefined);
  });

  it('shares one frozen principal between the requests of a record, a new one after a read', async () => {
    const { auth, state, call, record } = await setUp();
    const first = await call();
    assert.equal(auth.fromMemory(secret(SECRET), publishing), first);
    assert.ok(Object.isFrozen(first));
    state.record = { ...record, authorizedPattern: 'flags:*' };
    state.clock += FRESH_RECORD_MS;
    const second = await call();
    assert.notEqual(second, first);
    assert.equal(second.authorizedPattern, 'flags:*');
    assert.equal(first.authorizedPattern, '*');
  });

  it('throws at once what needs no read: no credentials, a secret in the URL, a token off the SSE routes', async () => {
    const { auth } = await setUp();
    assert.throws(() => auth.fromMemory({ kind: 'none' }, publishing), { code: 'RELAY_ERR_UNAUTHENTICATED' });
    assert.throws(() => auth.fromMemory({ kind: 'secret-in-url' }, publishing), {
      code: 'RELAY_ERR_SECRET_IN_URL',
    });
    assert.throws(() => auth.fromMemory({ kind: 'token', token: 'x' }, publishing), {
      code: 'RELAY_ERR_UNAUTHENTICATED',
    });
    assert.throws(() => auth.fromMemory({ kind: 'token', token: 'x' }, { listening: true }), {
      code: 'RELAY_ERR_UNAUTHENTICATED',
    });
  });
});
