import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDepth, MAX_JSON_DEPTH } from '../../src/events/json-depth.js';
import { parseIngestMessage } from '../../src/ingest/izanami-message.js';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonDepth', () => {
  it('counts the levels of arrays and objects; a scalar is 0', () => {
    assert.equal(jsonDepth(1), 0);
    assert.equal(jsonDepth(null), 0);
    assert.equal(jsonDepth('text'), 0);
    assert.equal(jsonDepth([]), 1);
    assert.equal(jsonDepth({ a: { b: [1, { c: 2 }] } }), 4);
    assert.equal(jsonDepth([[1], [[2]], 3]), 3);
  });

  it('measures 100,000 levels without recursing (no stack overflow)', () => {
    assert.equal(jsonDepth(JSON.parse(nested(100_000))), 100_000);
  });
});

describe('ingested messages nested too deep', () => {
  const message = (payload: string) =>
    `{"_id":1,"type":"CONFIG_UPDATED","key":"k","domain":"Config","payload":${payload},"authInfo":null}`;

  it('are refused past MAX_JSON_DEPTH, so they are counted invalid rather than failing at serialization', () => {
    assert.equal(parseIngestMessage(message(nested(MAX_JSON_DEPTH - 1))).event.key, 'k');
    assert.throws(() => parseIngestMessage(message(nested(10_000))), /nested deeper than 1000 levels/);
  });
});
