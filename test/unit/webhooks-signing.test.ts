import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  GENERATED_SECRET_BYTES,
  generateWebhookSecret,
  isValidWebhookSecret,
  signDelivery,
} from '../../src/webhooks/signing.js';

// CONTRACT.md, Webhooks — Izanami API: `webhook-id`, `webhook-timestamp`, `webhook-signature` when a secret is
// set (Standard Webhooks, `whsec_…`). Delivery guarantees: `webhook-id` is the same on every retry.
// The issue: verified by the `standardwebhooks` library's `verify`.

/** A deterministic byte source: 0, 1, 2, … from `start`. */
function counting(start = 0) {
  return (size: number) => Uint8Array.from({ length: size }, (_, i) => (start + i) % 256);
}

const SECRET = generateWebhookSecret(counting(7));
const BODY = '{"objectsEdited":[{"_id":1764000000000001,"key":"démo:title","payload":"✓ 🙂"}]}';

describe('signDelivery', () => {
  it('produces the three Standard Webhooks headers that the library’s verify accepts', () => {
    const now = new Date();
    const headers = signDelivery(SECRET, 'msg_1', now, BODY);
    assert.deepEqual(Object.keys(headers).sort(), ['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    assert.deepEqual(new Webhook(SECRET).verify(BODY, { ...headers }), JSON.parse(BODY));
  });

  it('sends the id given and the timestamp in whole Unix seconds', () => {
    const at = new Date(Date.UTC(2026, 10, 24, 11, 1, 0, 999));
    const headers = signDelivery(SECRET, 'hook-1:1764000000000-0', at, BODY);
    assert.equal(headers['webhook-id'], 'hook-1:1764000000000-0');
    assert.equal(headers['webhook-timestamp'], String(Math.floor(at.getTime() / 1000)));
    assert.match(headers['webhook-timestamp'], /^\d+$/);
  });

  it('signs HMAC-SHA256 of "id.timestamp.body" with the decoded secret, as the spec says', () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    const headers = signDelivery(SECRET, 'msg_2', at, BODY);
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`msg_2.${at.getTime() / 1000}.${BODY}`)
      .digest('base64');
    assert.equal(headers['webhook-signature'], `v1,${expected}`);
  });

  it('is the same for the same inputs: a retry with the same id and time signs alike', () => {
    const at = new Date();
    assert.deepEqual(signDelivery(SECRET, 'm', at, BODY), signDelivery(SECRET, 'm', at, BODY));
  });

  it('a retry keeps webhook-id and verifies with its own timestamp', () => {
    const first = signDelivery(SECRET, 'msg_retry', new Date(Date.now() - 60_000), BODY);
    const retry = signDelivery(SECRET, 'msg_retry', new Date(), BODY);
    assert.equal(retry['webhook-id'], first['webhook-id']);
    assert.notEqual(retry['webhook-timestamp'], first['webhook-timestamp']);
    const webhook = new Webhook(SECRET);
    assert.doesNotThrow(() => webhook.verify(BODY, { ...first }));
    assert.doesNotThrow(() => webhook.verify(BODY, { ...retry }));
  });

  it('is refused by verify when the body, id, timestamp or secret differ', () => {
    const now = new Date();
    const headers = signDelivery(SECRET, 'msg_3', now, BODY);
    const webhook = new Webhook(SECRET);
    assert.throws(() => webhook.verify(`${BODY} `, { ...headers }), WebhookVerificationError);
    assert.throws(
      () => webhook.verify(BODY, { ...headers, 'webhook-id': 'msg_4' }),
      WebhookVerificationError,
    );
    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    assert.throws(
      () => webhook.verify(BODY, { ...headers, 'webhook-timestamp': earlier }),
      WebhookVerificationError,
    );
    const other = new Webhook(generateWebhookSecret(counting(8)));
    assert.throws(() => other.verify(BODY, { ...headers }), WebhookVerificationError);
  });

  it('an attempt timestamp older than the library’s tolerance (5 min) is refused by verify', () => {
    const headers = signDelivery(SECRET, 'msg_5', new Date(Date.now() - 10 * 60_000), BODY);
    assert.throws(() => new Webhook(SECRET).verify(BODY, { ...headers }), /too old/);
  });

  it('signs an empty body', () => {
    const headers = signDelivery(SECRET, 'msg_6', new Date(), '');
    assert.equal(new Webhook(SECRET).verify('', { ...headers }), undefined);
  });

  it('throws on a secret that is not valid, rather than signing with a garbled key', () => {
    assert.throws(() => signDelivery('not-a-secret', 'm', new Date(), BODY), TypeError);
    assert.throws(() => signDelivery('whsec_abc', 'm', new Date(), BODY), TypeError);
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of the random bytes', () => {
    const secret = generateWebhookSecret(counting(0));
    assert.ok(secret.startsWith('whsec_'));
    const bytes = Buffer.from(secret.slice(6), 'base64');
    assert.equal(bytes.length, GENERATED_SECRET_BYTES);
    assert.deepEqual(
      [...bytes],
      Array.from({ length: GENERATED_SECRET_BYTES }, (_, i) => i),
    );
  });

  it('asks for 32 bytes', () => {
    const sizes: number[] = [];
    generateWebhookSecret((size) => {
      sizes.push(size);
      return new Uint8Array(size);
    });
    assert.deepEqual(sizes, [32]);
  });

  it('differs for different random bytes', () => {
    assert.notEqual(generateWebhookSecret(counting(0)), generateWebhookSecret(counting(1)));
  });

  it('reads only the bytes of a view, not the rest of its buffer', () => {
    const backing = new Uint8Array(64).fill(0xff);
    const secret = generateWebhookSecret(() => backing.subarray(16, 48).fill(1));
    assert.deepEqual([...Buffer.from(secret.slice(6), 'base64')], new Array(32).fill(1));
  });

  it('is valid and usable by the library', () => {
    const secret = generateWebhookSecret(counting(200));
    assert.ok(isValidWebhookSecret(secret));
    assert.doesNotThrow(() => new Webhook(secret));
  });

  it('throws if the source returns the wrong number of bytes', () => {
    assert.throws(() => generateWebhookSecret(() => new Uint8Array(16)), RangeError);
  });
});

describe('isValidWebhookSecret', () => {
  const b64 = (n: number) => Buffer.alloc(n, 0xab).toString('base64');

  it('accepts whsec_ and padded base64 of 24 to 64 bytes', () => {
    for (const n of [24, 25, 26, 32, 48, 63, 64]) {
      const secret = `whsec_${b64(n)}`;
      assert.ok(isValidWebhookSecret(secret), `${n} bytes`);
      assert.equal(new Webhook(secret).sign('m', new Date(0), 'x').slice(0, 3), 'v1,');
    }
  });

  it('accepts the Standard Webhooks example secret', () => {
    assert.ok(isValidWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
  });

  it('refuses keys shorter than 24 or longer than 64 bytes', () => {
    for (const n of [0, 1, 16, 23, 65, 128])
      assert.equal(isValidWebhookSecret(`whsec_${b64(n)}`), false, `${n}`);
  });

  it('refuses a missing or different prefix', () => {
    assert.equal(isValidWebhookSecret(b64(32)), false);
    assert.equal(isValidWebhookSecret(`WHSEC_${b64(32)}`), false);
    assert.equal(isValidWebhookSecret(`whsec${b64(32)}`), false);
    assert.equal(isValidWebhookSecret(`whsec__${b64(32)}`), false);
  });

  it('refuses base64 the library would misread or reject: url alphabet, bad padding, whitespace', () => {
    const good = b64(32); // 44 characters, one '='
    assert.equal(isValidWebhookSecret(`whsec_${good.replace(/=$/, '')}`), false);
    assert.equal(isValidWebhookSecret(`whsec_${good}=`), false);
    assert.equal(isValidWebhookSecret(`whsec_${good.slice(0, 40)}=${good.slice(41)}`), false);
    assert.equal(isValidWebhookSecret(`whsec_${'-_'.repeat(16)}`), false);
    assert.equal(isValidWebhookSecret(`whsec_${good} `), false);
    assert.equal(isValidWebhookSecret(`whsec_${good.slice(0, 20)}\n${good.slice(20)}`), false);
    assert.equal(isValidWebhookSecret(`whsec_${b64(30)}=`), false);
  });

  it('refuses very long input quickly', () => {
    assert.equal(isValidWebhookSecret(`whsec_${'A'.repeat(1_000_000)}`), false);
  });
});
