import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, isRetryableStatus } from '../../src/cli/backoff.js';
import { UsageError } from '../../src/cli/connection-options.js';
import { eventLine, resetNotice } from '../../src/cli/event-line.js';
import { parsePublishArgs } from '../../src/cli/publish-options.js';
import { parseTailArgs, streamUrl } from '../../src/cli/tail-options.js';

const creds = ['--client-id', 'id', '--client-secret', 'secret'];

describe('cli tail options', () => {
  it('builds the stream URL from flags, credentials from the environment', () => {
    const o = parseTailArgs(['--domains', 'Config', '--patterns', 'demo:*', '--types', 'CONFIG_UPDATED'], {
      RELAY_URL: 'http://127.0.0.1:9000/',
      RELAY_CLIENT_ID: 'env-id',
      RELAY_CLIENT_SECRET: 'env-secret',
    });
    assert.ok(o);
    assert.deepEqual(o.connection, {
      url: 'http://127.0.0.1:9000',
      clientId: 'env-id',
      clientSecret: 'env-secret',
    });
    assert.equal(
      streamUrl(o),
      'http://127.0.0.1:9000/api/events?domains=Config&patterns=demo%3A*&types=CONFIG_UPDATED',
    );
  });

  it('flags win over the environment; defaults', () => {
    const o = parseTailArgs([...creds, '--max-events', '3', '--json'], { RELAY_CLIENT_ID: 'env-id' });
    assert.ok(o);
    assert.equal(o.connection.clientId, 'id');
    assert.equal(o.connection.url, 'http://localhost:9000');
    assert.equal(o.maxEvents, 3);
    assert.equal(o.json, true);
    assert.equal(streamUrl(o), 'http://localhost:9000/api/events');
  });

  it('refuses bad arguments with a UsageError', () => {
    for (const args of [
      [...creds, '--max-events', '0'],
      [...creds, '--exit-after-ms', '1e3'],
      [...creds, '--last-event-id', '1-0'],
      [...creds, 'positional'],
      [...creds, '--url', 'not a url'],
      ['--client-id', 'id'],
    ]) {
      assert.throws(() => parseTailArgs(args, {}), UsageError, args.join(' '));
    }
  });

  it('--help gives null', () => {
    assert.equal(parseTailArgs(['--help'], {}), null);
  });
});

describe('cli publish options', () => {
  it('builds one event from flags', () => {
    const o = parsePublishArgs(
      [
        ...creds,
        '--type',
        'CONFIG_UPDATED',
        '--key',
        'demo:t',
        '--payload',
        '{"id":"demo:t"}',
        '--old-value',
        'null',
      ],
      {},
    );
    assert.ok(o);
    assert.deepEqual(o.source, {
      kind: 'body',
      body: { type: 'CONFIG_UPDATED', key: 'demo:t', payload: { id: 'demo:t' }, oldValue: null },
    });
  });

  it('takes a file or stdin instead, exclusively', () => {
    assert.deepEqual(parsePublishArgs([...creds, '--file', '-'], {})?.source, { kind: 'file', path: '-' });
    assert.throws(() => parsePublishArgs([...creds, '--file', 'x.json', '--key', 'k'], {}), UsageError);
  });

  it('refuses missing fields, bad JSON and bad idempotency keys', () => {
    for (const args of [
      [...creds, '--type', 'CONFIG_UPDATED', '--key', 'k'],
      [...creds, '--type', 'CONFIG_UPDATED', '--key', 'k', '--payload', '{'],
      [...creds, '--type', 'CONFIG_UPDATED', '--key', 'k', '--payload', '{}', '--idempotency-key', 'a b'],
    ]) {
      assert.throws(() => parsePublishArgs(args, {}), UsageError, args.join(' '));
    }
  });
});

describe('cli output and backoff', () => {
  it('prints an event as one readable line', () => {
    const data = JSON.stringify({
      _id: 1,
      type: 'CONFIG_UPDATED',
      key: 'demo:title',
      payload: { id: 'demo:title', value: 'a\nb' },
      timestamp: '2026-11-24T14:39:08.940',
    });
    assert.equal(
      eventLine(data),
      '2026-11-24T14:39:08.940 CONFIG_UPDATED demo:title {"id":"demo:title","value":"a\\nb"}',
    );
  });

  it('describes a reset', () => {
    assert.match(resetNotice('{"requested":5,"earliest":9}'), /after 5 .*\(9\)/);
  });

  it('doubles from 0.5 s up to 10 s; retries 408, 429 and 5xx only', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 50].map((a) => backoffDelay(a)),
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
    );
    assert.deepEqual([400, 401, 403, 404, 408, 429, 500, 503].map(isRetryableStatus), [
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});
