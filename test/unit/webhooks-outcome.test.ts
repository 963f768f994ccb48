import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAttempt, classifyStatus, isFailedAttempt } from '../../src/webhooks/outcome.js';

// CONTRACT.md, Delivery guarantees: 2xx is success. Timeout, network error, 408, 429, 5xx: retried. 410: the
// hook is disabled at once. Other 4xx: failed, not retried. Redirects are not followed (issue 3, SSRF).

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('classifyStatus', () => {
  it('2xx is success, every one of them', () => {
    for (const status of range(200, 299)) assert.equal(classifyStatus(status), 'success', String(status));
  });

  it('5xx is retried, every one of them', () => {
    for (const status of range(500, 599)) assert.equal(classifyStatus(status), 'retry', String(status));
  });

  it('408 and 429 are retried', () => {
    assert.equal(classifyStatus(408), 'retry');
    assert.equal(classifyStatus(429), 'retry');
  });

  it('410 disables the hook', () => {
    assert.equal(classifyStatus(410), 'disable');
  });

  it('every other 4xx fails without retry', () => {
    for (const status of range(400, 499)) {
      if (status === 408 || status === 429 || status === 410) continue;
      assert.equal(classifyStatus(status), 'fail', String(status));
    }
  });

  it('3xx fails: a redirect is never followed and is a configuration problem', () => {
    for (const status of range(300, 399)) assert.equal(classifyStatus(status), 'fail', String(status));
  });

  it('statuses without a known class fail', () => {
    for (const status of [0, 100, 101, 103, 199, 600, 999, -200, 200.5, Number.NaN]) {
      assert.equal(classifyStatus(status), 'fail', String(status));
    }
  });
});

describe('classifyAttempt', () => {
  it('classifies a response by its status', () => {
    assert.equal(classifyAttempt({ kind: 'response', status: 204 }), 'success');
    assert.equal(classifyAttempt({ kind: 'response', status: 503 }), 'retry');
    assert.equal(classifyAttempt({ kind: 'response', status: 410 }), 'disable');
    assert.equal(classifyAttempt({ kind: 'response', status: 404 }), 'fail');
    assert.equal(classifyAttempt({ kind: 'response', status: 301 }), 'fail');
  });

  it('retries a timeout and a network error', () => {
    assert.equal(classifyAttempt({ kind: 'timeout' }), 'retry');
    assert.equal(classifyAttempt({ kind: 'network' }), 'retry');
  });

  it('fails an address refused by the SSRF guard without retry', () => {
    assert.equal(classifyAttempt({ kind: 'forbidden-address' }), 'fail');
  });
});

describe('isFailedAttempt', () => {
  it('counts every outcome but success toward disabling', () => {
    assert.equal(isFailedAttempt('success'), false);
    assert.equal(isFailedAttempt('retry'), true);
    assert.equal(isFailedAttempt('fail'), true);
    assert.equal(isFailedAttempt('disable'), true);
  });
});
