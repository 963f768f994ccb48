import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium, pageProblems } from '../helpers/chromium.js';
import { newAdmin, publish, randomPrefix, relayEnv, sleep, waitUntil, within } from '../helpers/e2e-kit.js';
import { answer, type Receiver, startReceiver } from '../helpers/receiver.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { keyHeaders } from '../helpers/test-relay.js';

/**
 * The live console (`/`) in Chromium, on the whole built service (relay and delivery worker in one process):
 * signing in with a key, live events, filters, and the hooks panel watching a hook get disabled and re-enabled.
 */

const MAX_FAILURES = 2;
/** Short, so that the restart test meets an expired token. */
const TOKEN_TTL_MS = 3_000;

interface ApiHook {
  readonly clientId: string;
  readonly isBanned: boolean;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

describe('the live console in Chromium', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let service: RelayProcess | undefined;
  let serviceEnv: Record<string, string>;
  let receiver: Receiver | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[];
  /** Every URL the page requested. */
  const urls: string[] = [];

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${service!.baseUrl}${path}`, {
      ...init,
      headers: { ...keyHeaders(admin), 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const publishOne = async (type: string, key: string) => {
    const result = await publish(service!.baseUrl, admin, {
      type,
      key,
      payload: { id: key, value: `v-${key}` },
    });
    assert.equal(result.status, 201, `publish ${type} ${key}: ${result.errorCode}`);
    return result.events[0]!._id;
  };
  const shownKeys = () =>
    page
      .locator('#events .event')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key ?? ''));
  const hookRow = (id: string) => page.locator(`#hooks tr[data-hook-id="${id}"]`);

  const startService = async () => {
    service = await spawnRelay(serviceEnv, 'dist/src/main.js');
  };

  before(async () => {
    redis = await startTestRedis();
    receiver = await startReceiver(answer(500, 'receiver down'));
    serviceEnv = relayEnv(redis.url, randomPrefix(), admin, {
      PORT: String(await freePort()), // the page's origin: a restarted service comes back on it
      TOKEN_TTL: `${TOKEN_TTL_MS}ms`,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_MAX_FAILURES: String(MAX_FAILURES),
      WEBHOOK_MAX_ATTEMPTS: '5',
      WEBHOOK_BACKOFF_MS: '50',
    });
    await startService();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    problems = pageProblems(page);
    page.on('request', (request) => urls.push(request.url()));
  });

  after(async () => {
    await browser?.close();
    await service?.kill('SIGKILL');
    await receiver?.close();
    await redis?.stop();
  });

  it('serves a page whose script and styles come from the relay only, under a strict CSP', async () => {
    const res = await page.goto(`${service!.baseUrl}/`);
    assert.equal(res?.status(), 200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline script allowed');
    await page.locator('#sign-in-form').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await page.locator('#events-panel').isHidden(), true, 'nothing shown before signing in');
  });

  it('refuses a wrong secret and keeps nothing', async () => {
    await page.fill('#client-id', admin.clientId);
    await page.fill('#client-secret', 'not-the-secret');
    await page.click('#sign-in-form button[type="submit"]');
    await page
      .locator('#sign-in-error', { hasText: 'Wrong client id or secret' })
      .waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  it('signs in with an admin key kept in the tab only, and shows live events', async () => {
    await page.fill('#client-id', admin.clientId);
    await page.fill('#client-secret', admin.clientSecret);
    await page.click('#sign-in-form button[type="submit"]');
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#who').textContent()) ?? '', new RegExp(admin.clientId));
    const stored = await page.evaluate(() => Object.values(sessionStorage).join(' '));
    assert.ok(stored.includes(admin.clientSecret), 'the key is in sessionStorage');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'and not in localStorage');
    assert.equal(await page.inputValue('#client-secret'), '', 'the secret field was cleared');

    const id = await publishOne('CONFIG_UPDATED', 'ui:first');
    const row = page.locator('#events .event[data-key="ui:first"]');
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute('data-id'), String(id));
    assert.equal(await row.locator('.type').textContent(), 'CONFIG_UPDATED');
    assert.equal(await row.locator('.domain').textContent(), 'Config');
    assert.equal(await row.locator('pre.payload').isVisible(), false, 'the payload starts collapsed');
    await row.locator('summary').click();
    assert.match((await row.locator('pre.payload').textContent()) ?? '', /"value": "v-ui:first"/);

    await publishOne('CONFIG_UPDATED', 'ui:second');
    await page.locator('#events .event[data-key="ui:second"]').waitFor({ timeout: 10_000 });
    const keys = await shownKeys();
    assert.deepEqual(keys.slice(0, 2), ['ui:second', 'ui:first'], 'newest on top');

    assert.deepEqual(
      urls.filter((u) => u.includes(admin.clientSecret)),
      [],
      'the secret never appears in a URL',
    );
    assert.ok(
      urls.some((u) => new URL(u).pathname === '/api/events' && new URL(u).searchParams.has('token')),
      'the EventSource uses a token',
    );
  });

  it('filters by domain and pattern: an event outside the filter does not show', async () => {
    await page.fill('#domains', 'Feature');
    await page.fill('#patterns', 'ui:feat:*');
    await page.press('#patterns', 'Enter');
    await waitUntil(
      async () => (await shownKeys()).length === 0,
      'the list to restart with the new filter',
      5_000,
    );
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    await waitUntil(
      () =>
        urls.some((u) => {
          const url = new URL(u);
          return (
            url.searchParams.get('domains') === 'Feature' && url.searchParams.get('patterns') === 'ui:feat:*'
          );
        }),
      'the stream to reopen with the filter',
      5_000,
    );

    await publishOne('FEATURE_UPDATED', 'ui:feat:in');
    await publishOne('CONFIG_UPDATED', 'ui:feat:other-domain');
    await publishOne('FEATURE_UPDATED', 'ui:elsewhere');
    await publishOne('FEATURE_CREATED', 'ui:feat:last');
    await page.locator('#events .event[data-key="ui:feat:last"]').waitFor({ timeout: 10_000 });
    // the events come in order: once the last one shows, the others have come or never will
    assert.deepEqual(await shownKeys(), ['ui:feat:last', 'ui:feat:in']);

    await page.fill('#domains', '');
    await page.fill('#patterns', 'ui:*');
    await page.press('#patterns', 'Enter');
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
  });

  it('shows a hook disabled after failures, with its failures and last error, live; Re-enable enables it', async () => {
    const created = await api('/api/webhooks', {
      method: 'POST',
      body: JSON.stringify({ clientId: 'ui-hook', callbackUrl: receiver!.url, patterns: ['ui:hook:*'] }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const tweek = await api('/api/v2/hooks', {
      method: 'POST',
      body: JSON.stringify({ keyPath: 'ui/tweek/*', type: 'notification_webhook', url: receiver!.url }),
    });
    assert.equal(tweek.status, 201, JSON.stringify(tweek.body));
    const tweekId = (tweek.body as { id: string }).id;

    // WEBHOOK_CREATED refreshes the panel
    await hookRow('ui-hook').waitFor({ timeout: 5_000 });
    assert.equal(await hookRow('ui-hook').getAttribute('data-enabled'), 'true');
    assert.equal(await hookRow('ui-hook').locator('.state').textContent(), 'enabled');
    await hookRow(tweekId).waitFor({ timeout: 5_000 });
    assert.equal(await hookRow(tweekId).locator('.api').textContent(), 'Tweek');

    await publishOne('CONFIG_UPDATED', 'ui:hook:1');
    let banned: ApiHook | undefined;
    await waitUntil(
      async () => {
        banned = (await api('/api/webhooks/ui-hook')).body as ApiHook;
        return banned.isBanned;
      },
      `the relay disabling the hook after ${MAX_FAILURES} failed attempts`,
      20_000,
      100,
    );
    // The panel also polls every 10 s; the WEBHOOK_UPDATED event must bring the change well before that.
    const row = hookRow('ui-hook');
    await page.locator('#hooks tr[data-hook-id="ui-hook"][data-enabled="false"]').waitFor({ timeout: 4_000 });
    assert.match((await row.locator('.state').textContent()) ?? '', /^disabled/);
    assert.equal(await row.locator('.failures').textContent(), String(banned!.consecutiveFailures));
    assert.ok(banned!.consecutiveFailures >= MAX_FAILURES);
    assert.match((await row.locator('.last-error').textContent()) ?? '', /500/);
    assert.equal(await hookRow(tweekId).locator('.reenable').count(), 0);
    await page.screenshot({ path: artifactPath('console-hook-disabled.png'), fullPage: true });

    receiver!.script = answer(200, 'ok');
    const delivered = receiver!.succeeded().length;
    await row.locator('button.reenable').click();
    await page.locator('#hooks tr[data-hook-id="ui-hook"][data-enabled="true"]').waitFor({ timeout: 5_000 });
    assert.equal(await row.locator('.state').textContent(), 'enabled');
    assert.equal(await row.locator('.failures').textContent(), '0');
    assert.equal(await row.locator('button.reenable').count(), 0, 'no Re-enable button on an enabled hook');

    const after = (await api('/api/webhooks/ui-hook')).body as ApiHook;
    assert.equal(after.isBanned, false, 'the API says the hook is enabled');
    assert.equal(after.consecutiveFailures, 0);
    // the delivery held while it was disabled goes out now
    await receiver!.waitFor(
      () => receiver!.succeeded().length > delivered,
      'the held delivery after re-enabling',
    );
  });

  it('after a restart that outlives its token, gets a fresh token and resumes where it was: nothing missed', async () => {
    const before = await shownKeys();
    const lastId = await page.locator('#events .event').first().getAttribute('data-id');
    assert.ok(lastId, 'the list shows events');
    await sleep(TOKEN_TTL_MS + 500); // the tokens of the open streams have expired
    assert.equal(await within(service!.kill('SIGKILL'), 10_000, 'SIGKILL of the service'), null);
    const requestsBefore = urls.length;
    await startService();
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push(await publishOne('CONFIG_UPDATED', `ui:restart:${n}`));
    await page.locator('#events .event[data-key="ui:restart:3"]').waitFor({ timeout: 30_000 });
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(await shownKeys(), ['ui:restart:3', 'ui:restart:2', 'ui:restart:1', ...before]);
    const after = urls.slice(requestsBefore).map((u) => new URL(u));
    assert.ok(
      after.some((u) => u.pathname === '/api/tokens'),
      'a fresh token was asked for',
    );
    assert.ok(
      after.some((u) => u.pathname === '/api/events' && u.searchParams.get('lastEventId') === lastId),
      `the new EventSource resumed after ${lastId}`,
    );
    await page.locator('#events .event summary').first().click();
    await page.screenshot({ path: artifactPath('console.png'), fullPage: true });
  });

  it('signs out: the key leaves the tab and the streams close', async () => {
    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal(await page.locator('#hooks tr').count(), 0);
    // the service's SIGKILL shows as network errors (cut streams, refused connections) and the expired tokens
    // as 401s; nothing else may go wrong (a CSP violation is a console error too)
    const expected =
      /^console error: Failed to load resource: (net::ERR_|the server responded with a status of 401)/;
    assert.deepEqual(
      problems.filter((p) => !expected.test(p)),
      [],
      'no script error or CSP violation in the page',
    );
  });
});
