import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CredentialSource, readCredentials } from '../../src/auth/credentials.js';

// CONTRACT.md, Authentication: headers `Izanami-Client-Id` + `Izanami-Client-Secret`, or HTTP Basic with the
// same pair; `?token=` (SSE routes); a long-lived secret in a URL is refused (401).

/** A request as Koa shows it: header names lower-cased. */
function request(headers: Record<string, string> = {}, query: Record<string, string> = {}): CredentialSource {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { header: (name) => lower[name.toLowerCase()], query: (name) => query[name] };
}

function basic(pair: string): string {
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

describe('Izanami headers', () => {
  it('read the client id and secret', () => {
    const creds = readCredentials(request({ 'Izanami-Client-Id': 'app', 'Izanami-Client-Secret': 's3cr3t' }));
    assert.deepEqual(creds, { kind: 'secret', clientId: 'app', clientSecret: 's3cr3t' });
  });

  it('one of the pair alone is still an attempt with a secret (which then fails), not anonymous', () => {
    assert.deepEqual(readCredentials(request({ 'Izanami-Client-Id': 'app' })), {
      kind: 'secret',
      clientId: 'app',
      clientSecret: '',
    });
    assert.deepEqual(readCredentials(request({ 'Izanami-Client-Secret': 's' })), {
      kind: 'secret',
      clientId: '',
      clientSecret: 's',
    });
  });

  it('win over Basic and over a token', () => {
    const creds = readCredentials(
      request(
        { 'Izanami-Client-Id': 'app', 'Izanami-Client-Secret': 's', Authorization: basic('other:x') },
        { token: 't' },
      ),
    );
    assert.deepEqual(creds, { kind: 'secret', clientId: 'app', clientSecret: 's' });
  });
});

describe('HTTP Basic', () => {
  it('reads the same pair', () => {
    assert.deepEqual(readCredentials(request({ Authorization: basic('app:s3cr3t') })), {
      kind: 'secret',
      clientId: 'app',
      clientSecret: 's3cr3t',
    });
  });

  it('splits at the first colon only: a secret may hold colons', () => {
    assert.deepEqual(readCredentials(request({ Authorization: basic('app:a:b:c') })), {
      kind: 'secret',
      clientId: 'app',
      clientSecret: 'a:b:c',
    });
  });

  it('reads UTF-8 ids and secrets', () => {
    assert.deepEqual(readCredentials(request({ Authorization: basic('clé:sécret🙂') })), {
      kind: 'secret',
      clientId: 'clé',
      clientSecret: 'sécret🙂',
    });
  });

  it('accepts the scheme in any case and extra spaces', () => {
    const encoded = Buffer.from('app:s').toString('base64');
    for (const header of [`basic ${encoded}`, `BASIC ${encoded}`, `Basic   ${encoded}  `]) {
      assert.deepEqual(readCredentials(request({ Authorization: header })), {
        kind: 'secret',
        clientId: 'app',
        clientSecret: 's',
      });
    }
  });

  it('without a colon, is an id with an empty secret', () => {
    assert.deepEqual(readCredentials(request({ Authorization: basic('app') })), {
      kind: 'secret',
      clientId: 'app',
      clientSecret: '',
    });
  });

  for (const header of ['Bearer abc', 'Basic', 'Basic !!!', 'Digest x', '']) {
    it(`${JSON.stringify(header)} is a failed attempt, never anonymous access`, () => {
      assert.deepEqual(readCredentials(request({ Authorization: header })), {
        kind: 'secret',
        clientId: '',
        clientSecret: '',
      });
    });
  }

  it('wins over a token', () => {
    assert.equal(readCredentials(request({ Authorization: basic('app:s') }, { token: 't' })).kind, 'secret');
  });
});

describe('token in the query', () => {
  it('is read when no header is given', () => {
    assert.deepEqual(readCredentials(request({}, { token: 'v1.abc.def' })), {
      kind: 'token',
      token: 'v1.abc.def',
    });
  });
});

describe('a secret in the URL', () => {
  for (const name of ['clientSecret', 'client_secret', 'Izanami-Client-Secret', 'secret']) {
    it(`?${name}= is refused`, () => {
      assert.deepEqual(readCredentials(request({}, { [name]: 'leaked' })), { kind: 'secret-in-url' });
    });
  }

  it('is refused even next to valid headers or a token', () => {
    const creds = readCredentials(
      request(
        { 'Izanami-Client-Id': 'app', 'Izanami-Client-Secret': 's' },
        { clientSecret: 's', token: 't' },
      ),
    );
    assert.deepEqual(creds, { kind: 'secret-in-url' });
  });

  it('is refused even when empty', () => {
    assert.deepEqual(readCredentials(request({}, { clientSecret: '' })), { kind: 'secret-in-url' });
  });

  it('a client id alone in the URL is not a secret', () => {
    assert.deepEqual(readCredentials(request({}, { clientId: 'app' })), { kind: 'none' });
  });
});

describe('nothing', () => {
  it('is anonymous', () => {
    assert.deepEqual(readCredentials(request()), { kind: 'none' });
  });
});
