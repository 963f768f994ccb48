import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../helpers/chromium.js';
import { newAdmin, publish, randomPrefix, relayEnv, waitUntil } from '../helpers/e2e-kit.js';
import { answer, type Receiver, startReceiver } from '../helpers/receiver.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { keyHeaders } from '../helpers/test-relay.js';

/**
 * The BullMQ dashboard (bull-board, /admin/queues) rendered by Chromium for an admin who logs in with HTTP Basic,
 * showing the deliveries queue with the jobs of a hook whose receiver accepts (completed) and of one whose
 * receiver refuses with a 400 (failed, not retried).
 */

const PER_HOOK = 3;

interface Attempt {
  readonly deliveryId: string;
  readonly outcome: string;
}

describe('bull-board in Chromium', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let service: RelayProcess | undefined;
  let ok: Receiver | undefined;
  let refusing: Receiver | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  /** Requests the page tried to send anywhere but the relay (bull-board asks for web fonts): refused. */
  const outside: string[] = [];
  const completedIds: string[] = [];
  const failedIds: string[] = [];

  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${service!.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...keyHeaders(admin), 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as unknown };
  };
  const attempts = async (hook: string) =>
    ((await api(`/api/webhooks/${hook}/deliveries`)).body as { results: Attempt[] }).results;
  /** A browser context on the relay only: every other origin is refused (and recorded). */
  const relayOnlyContext = async (options: Parameters<Browser['newContext']>[0] = {}) => {
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    await ctx.route('**/*', (route) => {
      if (route.request().url().startsWith(`${service!.baseUrl}/`)) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    return ctx;
  };

  before(async () => {
    redis = await startTestRedis();
    ok = await startReceiver(answer(200, 'ok'));
    refusing = await startReceiver(answer(400, 'bad request'));
    service = await spawnRelay(
      relayEnv(redis.url, randomPrefix(), admin, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' }),
      'dist/src/main.js',
    );
    for (const [clientId, receiver, pattern] of [
      ['bb-ok', ok, 'bb:ok:*'],
      ['bb-refused', refusing, 'bb:refused:*'],
    ] as const) {
      const res = await api('/api/webhooks', { clientId, callbackUrl: receiver.url, patterns: [pattern] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    for (let i = 0; i < PER_HOOK; i += 1) {
      for (const kind of ['ok', 'refused']) {
        const key = `bb:${kind}:${i}`;
        const result = await publish(service.baseUrl, admin, {
          type: 'CONFIG_UPDATED',
          key,
          payload: { id: key },
        });
        assert.equal(result.status, 201);
      }
    }
    await waitUntil(
      async () =>
        (await attempts('bb-ok')).filter((a) => a.outcome === 'success').length === PER_HOOK &&
        (await attempts('bb-refused')).filter((a) => a.outcome === 'fail').length === PER_HOOK,
      `${PER_HOOK} deliveries done to each hook`,
      20_000,
      100,
    );
    completedIds.push(...(await attempts('bb-ok')).map((a) => a.deliveryId));
    failedIds.push(...(await attempts('bb-refused')).map((a) => a.deliveryId));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await service?.kill('SIGKILL');
    await ok?.close();
    await refusing?.close();
    await redis?.stop();
  });

  it('is refused without an admin key', async () => {
    // No credentials: the 401 asks the browser for HTTP Basic, and a browser with none to give stops there.
    const anonymous = await relayOnlyContext();
    await assert.rejects(
      (await anonymous.newPage()).goto(`${service!.baseUrl}/admin/queues`),
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    await anonymous.close();

    const reader = (await api('/api/apikeys', { name: 'bb reader', authorizedPattern: '*' })).body as {
      clientId: string;
      clientSecret: string;
    };
    const notAdmin = await relayOnlyContext({
      httpCredentials: { username: reader.clientId, password: reader.clientSecret },
    });
    const forbidden = await (await notAdmin.newPage()).goto(`${service!.baseUrl}/admin/queues`);
    assert.equal(forbidden?.status(), 403);
    await notAdmin.close();
  });

  it('shows the deliveries queue with its completed and failed jobs to an admin (HTTP Basic)', async () => {
    context = await relayOnlyContext({
      httpCredentials: { username: admin.clientId, password: admin.clientSecret },
    });
    page = await context.newPage();
    const res = await page.goto(`${service!.baseUrl}/admin/queues`);
    assert.equal(res?.status(), 200);
    await page.getByText(`${PER_HOOK * 2} Jobs`).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'deliveries' }).first().waitFor({ timeout: 5_000 });
    await page.screenshot({ path: artifactPath('bull-board.png') });

    await page.goto(`${service!.baseUrl}/admin/queues/queue/deliveries?status=completed`);
    for (const id of completedIds) await page.getByText(id, { exact: true }).waitFor({ timeout: 15_000 });
    for (const id of failedIds)
      assert.equal(await page.getByText(id, { exact: true }).count(), 0, `${id} is not completed`);
    await page.screenshot({ path: artifactPath('bull-board-completed.png') });

    await page.goto(`${service!.baseUrl}/admin/queues/queue/deliveries?status=failed`);
    for (const id of failedIds) await page.getByText(id, { exact: true }).waitFor({ timeout: 15_000 });
    await page
      .getByText(/HTTP 400/)
      .first()
      .waitFor({ timeout: 5_000 });
    for (const id of completedIds)
      assert.equal(await page.getByText(id, { exact: true }).count(), 0, `${id} is not failed`);
    await page.screenshot({ path: artifactPath('bull-board-failed.png') });

    assert.deepEqual(
      outside.filter((url) => !url.startsWith('https://fonts.googleapis.com/')),
      [],
      'the dashboard asks nothing of another origin but its web fonts',
    );
  });
});
