import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, type ErrorCode, isRelayError, RelayError } from '../../src/errors/catalogue.js';

// STYLE.md §5: one catalogue of stable codes with HTTP status and whether the message is safe to show; a test
// keeps the catalogue consistent. CONTRACT.md: errors are `{"error": {"code", "message"}}`; 400 for invalid
// input, 401 for missing or wrong credentials and for a secret in a URL, 403 not allowed, 413 too large,
// 503 while Redis is down.

const CODES = Object.keys(ERRORS) as ErrorCode[];

describe('the error catalogue', () => {
  it('is not empty', () => {
    assert.ok(CODES.length > 0);
  });

  for (const code of CODES) {
    const entry = ERRORS[code];
    it(`${code} is well formed`, () => {
      assert.match(code, /^RELAY_ERR_[A-Z_]+$/);
      assert.ok(!code.endsWith('_'), 'no trailing underscore');
      assert.ok(Number.isInteger(entry.status));
      assert.ok(entry.status >= 400 && entry.status <= 599, `status ${entry.status} is 4xx or 5xx`);
      assert.equal(typeof entry.expose, 'boolean');
      assert.ok(entry.message.trim().length > 0, 'has a default message');
      if (entry.status < 500) assert.equal(entry.expose, true, 'a client error always explains itself');
    });
  }

  it('only 5xx errors may hide their message', () => {
    const hidden = CODES.filter((code) => !ERRORS[code].expose);
    for (const code of hidden) assert.ok(ERRORS[code].status >= 500, code);
  });

  it('has an internal error that never shows its message', () => {
    assert.equal(ERRORS.RELAY_ERR_INTERNAL.status, 500);
    assert.equal(ERRORS.RELAY_ERR_INTERNAL.expose, false);
  });

  it('gives the statuses the contract names', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      RELAY_ERR_VALIDATION: 400,
      RELAY_ERR_INVALID_JSON: 400,
      RELAY_ERR_BAD_LAST_EVENT_ID: 400,
      RELAY_ERR_UNKNOWN_DOMAIN: 400,
      RELAY_ERR_UNKNOWN_TYPE: 400,
      RELAY_ERR_UNAUTHENTICATED: 401,
      RELAY_ERR_SECRET_IN_URL: 401,
      RELAY_ERR_FORBIDDEN: 403,
      RELAY_ERR_NOT_FOUND: 404,
      RELAY_ERR_PAYLOAD_TOO_LARGE: 413,
      RELAY_ERR_REDIS_UNAVAILABLE: 503,
    };
    for (const [code, status] of Object.entries(expected)) {
      assert.equal(ERRORS[code as ErrorCode].status, status, code);
    }
  });

  it('default messages are distinct, so a log line tells the codes apart', () => {
    const messages = CODES.map((code) => ERRORS[code].message);
    assert.equal(new Set(messages).size, messages.length);
  });
});

describe('RelayError', () => {
  for (const code of CODES) {
    it(`${code} carries its code, status and exposure`, () => {
      const err = new RelayError(code);
      assert.equal(err.code, code);
      assert.equal(err.status, ERRORS[code].status);
      assert.equal(err.expose, ERRORS[code].expose);
      assert.equal(err.message, ERRORS[code].message);
    });
  }

  it('is an Error named RelayError, with a stack', () => {
    const err = new RelayError('RELAY_ERR_NOT_FOUND');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'RelayError');
    assert.ok(err.stack?.includes('RelayError'));
  });

  it('takes a message of its own, keeping code and status', () => {
    const err = new RelayError('RELAY_ERR_UNKNOWN_DOMAIN', 'Unknown domain: Nope');
    assert.equal(err.message, 'Unknown domain: Nope');
    assert.equal(err.code, 'RELAY_ERR_UNKNOWN_DOMAIN');
    assert.equal(err.status, 400);
  });

  it('carries the listed problems', () => {
    const details = [
      { path: 'events.0.type', message: 'unknown event type "X"' },
      { path: 'key', message: '"key" is required' },
    ];
    assert.deepEqual(new RelayError('RELAY_ERR_VALIDATION', 'invalid', details).details, details);
    assert.equal(new RelayError('RELAY_ERR_VALIDATION').details, undefined);
  });

  it('keeps its cause', () => {
    const cause = new Error('Connection is closed.');
    assert.equal(new RelayError('RELAY_ERR_REDIS_UNAVAILABLE', undefined, undefined, { cause }).cause, cause);
  });
});

describe('isRelayError', () => {
  it('tells a RelayError from anything else', () => {
    assert.equal(isRelayError(new RelayError('RELAY_ERR_INTERNAL')), true);
    for (const other of [new Error('x'), { code: 'RELAY_ERR_INTERNAL', status: 500 }, null, undefined, 'x']) {
      assert.equal(isRelayError(other), false);
    }
  });
});
