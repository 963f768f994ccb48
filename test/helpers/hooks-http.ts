import assert from 'node:assert/strict';
import { recordSecret } from './run-record.js';
import { type Credentials, keyHeaders } from './test-relay.js';

/** Creates an Izanami webhook through a relay's HTTP API (`POST /api/webhooks`); returns its clientId. */
export async function createHookOver(
  baseUrl: string,
  creds: Credentials,
  body: Record<string, unknown>,
): Promise<string> {
  recordSecret(body.secret); // for the end-of-run log scan (run-record.ts)
  const res = await fetch(`${baseUrl}/api/webhooks`, {
    method: 'POST',
    headers: { ...keyHeaders(creds), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { clientId: string }).clientId;
}
