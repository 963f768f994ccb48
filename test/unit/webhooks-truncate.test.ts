import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { truncateBody, truncationMarker } from '../../src/webhooks/truncate.js';

// CONTRACT.md, Delivery guarantees: every attempt is recorded with its truncated response.

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
/** The kept text, without the marker. */
const kept = (text: string, cutBytes: number) =>
  cutBytes === 0 ? text : text.slice(0, text.length - truncationMarker(cutBytes).length);

describe('truncateBody', () => {
  it('keeps a body that fits, unchanged and without marker', () => {
    assert.deepEqual(truncateBody('hello', 5), { text: 'hello', keptBytes: 5, cutBytes: 0 });
    assert.deepEqual(truncateBody('hello', 100), { text: 'hello', keptBytes: 5, cutBytes: 0 });
    assert.deepEqual(truncateBody('', 0), { text: '', keptBytes: 0, cutBytes: 0 });
  });

  it('cuts ASCII at exactly maxBytes and says how many bytes were cut', () => {
    assert.deepEqual(truncateBody('hello world', 5), {
      text: `hello${truncationMarker(6)}`,
      keptBytes: 5,
      cutBytes: 6,
    });
    assert.equal(truncationMarker(6), '…[truncated 6 bytes]');
  });

  it('keeps nothing but the marker with maxBytes 0', () => {
    assert.deepEqual(truncateBody('abc', 0), { text: truncationMarker(3), keptBytes: 0, cutBytes: 3 });
  });

  it('never splits a 2-, 3- or 4-byte character: it backs off to the character’s start', () => {
    // 'é' is 2 bytes, '€' 3, '🙂' 4 (a surrogate pair in UTF-16).
    assert.deepEqual(truncateBody('aé', 2), { text: `a${truncationMarker(2)}`, keptBytes: 1, cutBytes: 2 });
    assert.deepEqual(truncateBody('a€b', 2), { text: `a${truncationMarker(4)}`, keptBytes: 1, cutBytes: 4 });
    assert.deepEqual(truncateBody('a€b', 3), { text: `a${truncationMarker(4)}`, keptBytes: 1, cutBytes: 4 });
    assert.deepEqual(truncateBody('a€b', 4), { text: `a€${truncationMarker(1)}`, keptBytes: 4, cutBytes: 1 });
    for (const max of [1, 2, 3, 4]) {
      assert.deepEqual(truncateBody('a🙂b', max), {
        text: `a${truncationMarker(5)}`,
        keptBytes: 1,
        cutBytes: 5,
      });
    }
    assert.deepEqual(truncateBody('a🙂b', 5), {
      text: `a🙂${truncationMarker(1)}`,
      keptBytes: 5,
      cutBytes: 1,
    });
  });

  it('for every cut of a mixed string: kept ≤ maxBytes, a prefix of the body, no replacement character', () => {
    const body = 'Aé€🙂漢字-\u0000\n"{}"ü🙂🙂x';
    const total = utf8(body);
    for (let max = 0; max <= total + 2; max++) {
      const result = truncateBody(body, max);
      const text = kept(result.text, result.cutBytes);
      assert.ok(result.keptBytes <= max, `max ${max}`);
      assert.equal(utf8(text), result.keptBytes, `max ${max}`);
      assert.equal(result.keptBytes + result.cutBytes, total, `max ${max}`);
      assert.ok(body.startsWith(text), `max ${max}`);
      assert.ok(!text.includes('\uFFFD'), `max ${max}`);
      // It backs off at most one character: 3 bytes.
      if (max <= total) assert.ok(max - result.keptBytes <= 3, `max ${max}`);
      assert.equal(result.cutBytes === 0, max >= total, `max ${max}`);
    }
  });

  it('accepts bytes and decodes them as UTF-8, cutting on the same boundaries', () => {
    const bytes = new TextEncoder().encode('ab€cd');
    assert.deepEqual(truncateBody(bytes, 4), { text: `ab${truncationMarker(5)}`, keptBytes: 2, cutBytes: 5 });
    assert.deepEqual(truncateBody(bytes, 5), {
      text: `ab€${truncationMarker(2)}`,
      keptBytes: 5,
      cutBytes: 2,
    });
    assert.deepEqual(truncateBody(bytes, 7), { text: 'ab€cd', keptBytes: 7, cutBytes: 0 });
  });

  it('reads only the bytes of a view, not the rest of its buffer', () => {
    const backing = new TextEncoder().encode('XXXhello worldYYY');
    const view = backing.subarray(3, 14);
    assert.deepEqual(truncateBody(view, 5), {
      text: `hello${truncationMarker(6)}`,
      keptBytes: 5,
      cutBytes: 6,
    });
    assert.deepEqual(truncateBody(view, 50), { text: 'hello world', keptBytes: 11, cutBytes: 0 });
  });

  it('turns invalid UTF-8 bytes into U+FFFD and still cuts within maxBytes', () => {
    const bytes = Uint8Array.from([0x61, 0xff, 0x80, 0x80, 0x80, 0x80, 0x62]);
    const whole = truncateBody(bytes, 100);
    assert.equal(whole.cutBytes, 0);
    assert.ok(whole.text.startsWith('a\uFFFD'));
    assert.ok(whole.text.endsWith('b'));
    const cut = truncateBody(bytes, 5);
    assert.ok(cut.keptBytes <= 5);
    assert.equal(cut.keptBytes + cut.cutBytes, 7);
    assert.ok(cut.text.endsWith(truncationMarker(cut.cutBytes)));
  });

  it('in bytes that are not UTF-8, backs off at most 3 bytes and else cuts at maxBytes', () => {
    const bytes = Uint8Array.from([0x61, ...new Array(10).fill(0x80)]);
    const result = truncateBody(bytes, 8);
    assert.equal(result.keptBytes, 8);
    assert.equal(result.cutBytes, 3);
    assert.equal(result.text, `a${'\uFFFD'.repeat(7)}${truncationMarker(3)}`);
  });

  it('counts a lone surrogate as the 3 bytes of U+FFFD it encodes to', () => {
    const body = 'a\uD800b';
    assert.deepEqual(truncateBody(body, 10), { text: body, keptBytes: 5, cutBytes: 0 });
    assert.deepEqual(truncateBody(body, 3), { text: `a${truncationMarker(4)}`, keptBytes: 1, cutBytes: 4 });
  });

  it('cuts a large body quickly and exactly', () => {
    const body = '€'.repeat(1_000_000); // 3,000,000 bytes
    const result = truncateBody(body, 4096);
    assert.equal(result.keptBytes, 4095);
    assert.equal(result.cutBytes, 3_000_000 - 4095);
    assert.equal(result.text, '€'.repeat(1365) + truncationMarker(3_000_000 - 4095));
  });

  it('refuses a negative or fractional maxBytes', () => {
    assert.throws(() => truncateBody('abc', -1), RangeError);
    assert.throws(() => truncateBody('abc', 1.5), RangeError);
    assert.throws(() => truncateBody('abc', Number.NaN), RangeError);
    assert.throws(() => truncateBody('abc', Number.POSITIVE_INFINITY), RangeError);
  });
});
