import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configEvent } from '../helpers/relay-checks.js';
import { relayForSuite } from '../helpers/relay-suite.js';

// src/http/middleware/request-context.ts: every answer carries an X-Request-Id (the caller's when sane, else a
// new UUID), and the request's log lines (its access line, and any line its handlers log) carry it too.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request context', () => {
  const suite = relayForSuite();

  const linesOf = (requestId: string) =>
    suite.relay.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.requestId === requestId);

  it('keeps a sane X-Request-Id, answers with it and logs the request under it', async () => {
    const res = await suite.relay.request('/api/events', {
      method: 'POST',
      json: configEvent('request-context.kept'),
      headers: { 'X-Request-Id': 'caller-id.42' },
    });
    assert.equal(res.status, 201, await res.text());
    assert.equal(res.headers.get('x-request-id'), 'caller-id.42');
    const access = linesOf('caller-id.42').find((l) => l.message === 'request');
    assert.ok(access, 'an access line with the request id');
    assert.equal(access.status, 201);
    assert.equal(access.route, '/api/events');
    assert.equal(access.clientId, suite.relay.admin.clientId);
  });

  it('replaces a missing or unsafe X-Request-Id with a new UUID, one per request', async () => {
    const unsafe = await suite.relay.request('/health', {
      headers: { 'X-Request-Id': 'bad id\twith spaces' },
    });
    const missing = await suite.relay.request('/health');
    const ids = [unsafe.headers.get('x-request-id'), missing.headers.get('x-request-id')];
    for (const id of ids) assert.match(id ?? '', UUID);
    assert.notEqual(ids[0], ids[1]);
    assert.ok(linesOf(ids[1] as string).some((l) => l.message === 'request'));
  });

  it('a failed request is answered and logged under its id', async () => {
    const res = await suite.relay.request('/api/events', {
      method: 'POST',
      body: '{"type":',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'broken-body' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-request-id'), 'broken-body');
    const access = linesOf('broken-body').find((l) => l.message === 'request');
    assert.equal(access?.status, 400);
  });
});
