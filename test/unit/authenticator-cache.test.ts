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
