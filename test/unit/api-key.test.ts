import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ApiKeyRecord,
  authInfoOf,
  hashToRecord,
  publicView,
  recordToHash,
} from '../../src/auth/api-key.js';

// CONTRACT.md, Authentication: a key is `{clientId, name, authorizedPattern, admin}`; `authorizedPattern`
// defaults to `*`; the API never shows a secret; `authInfo` on events is the key's `{clientId, name}`.

const RECORD: ApiKeyRecord = {
  clientId: 'app:reader',
  name: 'Reader',
  authorizedPattern: 'demo:*,other/*',
  admin: false,
  secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
  bootstrap: false,
  version: 'v-1',
};

describe('recordToHash / hashToRecord', () => {
  it('round-trip a record', () => {
    assert.deepEqual(hashToRecord(recordToHash(RECORD)), RECORD);
  });

  it('round-trip both flags either way', () => {
    for (const admin of [true, false]) {
      for (const bootstrap of [true, false]) {
        const record = { ...RECORD, admin, bootstrap };
        assert.deepEqual(hashToRecord(recordToHash(record)), record);
      }
    }
  });

  it('round-trip values holding any characters', () => {
    const record = { ...RECORD, name: 'Ünïcode 🙂 "quoted"\nline', authorizedPattern: '*' };
    assert.deepEqual(hashToRecord(recordToHash(record)), record);
  });

  it('write only strings (a Redis hash holds nothing else)', () => {
    for (const value of Object.values(recordToHash({ ...RECORD, admin: true, bootstrap: true }))) {
      assert.equal(typeof value, 'string');
    }
  });

  it('write booleans as 1 and 0', () => {
    const hash = recordToHash({ ...RECORD, admin: true, bootstrap: false });
    assert.equal(hash.admin, '1');
    assert.equal(hash.bootstrap, '0');
  });

  it('no record without a client id, a secret hash or a version (a missing or half-written key)', () => {
    assert.equal(hashToRecord({}), undefined);
    for (const field of ['clientId', 'secretHash', 'v']) {
      const hash = recordToHash(RECORD);
      delete hash[field];
      assert.equal(hashToRecord(hash), undefined, field);
      assert.equal(hashToRecord({ ...recordToHash(RECORD), [field]: '' }), undefined, `${field} empty`);
    }
  });

  it('fills the optional fields with their defaults: no name, pattern `*`, not admin', () => {
    const record = hashToRecord({ clientId: 'k', secretHash: 'h', v: '1' });
    assert.deepEqual(record, {
      clientId: 'k',
      name: '',
      authorizedPattern: '*',
      admin: false,
      secretHash: 'h',
      bootstrap: false,
      version: '1',
    });
  });

  it('only "1" makes an admin', () => {
    for (const admin of ['0', 'true', 'yes', '', 'TRUE']) {
      assert.equal(hashToRecord({ ...recordToHash(RECORD), admin })?.admin, false, admin);
    }
  });
});

describe('publicView', () => {
  it('shows the key without its secret hash or internal state', () => {
    const view = publicView(RECORD);
    assert.deepEqual(view, {
      clientId: 'app:reader',
      name: 'Reader',
      authorizedPattern: 'demo:*,other/*',
      admin: false,
    });
    assert.ok(!JSON.stringify(view).includes(RECORD.secretHash));
  });

  it('drops fields it does not know of, a secret included', () => {
    const withSecret = { ...RECORD, clientSecret: 'plain-secret' };
    assert.ok(!JSON.stringify(publicView(withSecret)).includes('plain-secret'));
  });
});

describe('authInfoOf', () => {
  it('is the key’s client id and name only', () => {
    assert.deepEqual(authInfoOf(RECORD), { clientId: 'app:reader', name: 'Reader' });
  });
});
