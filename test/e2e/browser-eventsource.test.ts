import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from '../helpers/chromium.js';
import {
  configEvent,
  newAdmin,
  publish,
  randomPrefix,
  relayEnv,
  waitUntil,
  within,
} from '../helpers/e2e-kit.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { keyHeaders } from '../helpers/test-relay.js';

/**
 * Chromium's own EventSource, with a short-lived token, on a relay process that dies (SIGKILL) or stops
 * (SIGTERM) and comes back on the same port and Redis while events keep being published through another relay:
 * the browser reconnects by itself, sends Last-Event-ID, and gets every event once, in order. Two listeners in
 * one page: a bare `new EventSource(url)` and the live console opened with `?token=`.
 */

const KEYS = 'bx';

interface RawState {
  readonly ids: string[];
  readonly opens: number;
  readonly errors: number;
  readonly readyState: number;
}

declare global {
  interface Window {
    rawListener?: { source: EventSource; ids: string[]; opens: number; errors: number };
  }
}

describe('the browser EventSource across relay restarts (Chromium)', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let env: Record<string, string>;
  let port: number;
  let relayA: RelayProcess | undefined;
  let relayB: RelayProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const expected: number[] = [];
  /** `last-event-id` of every request to /api/events that the relay answered ('' when it carried none). */
  const requestHeaders: Promise<string>[] = [];
  /** Requests to /api/events that got no answer at all (connection refused while the relay was down). */
  let failedRequests = 0;
  let n = 0;

  const publishVia = async (relay: RelayProcess, count: number) => {
    for (let i = 0; i < count; i += 1) {
      n += 1;
      const result = await publish(relay.baseUrl, admin, configEvent(KEYS, n));
      assert.equal(
        result.status,
        201,
        `publish ${n} through ${relay.baseUrl}: ${result.failure ?? result.errorCode}`,
      );
      expected.push(...result.events.map((e) => e._id));
    }
  };
  const raw = (): Promise<RawState> =>
    page.evaluate(() => {
      const l = window.rawListener!;
      return { ids: [...l.ids], opens: l.opens, errors: l.errors, readyState: l.source.readyState };
    });
  /** The console's rows, oldest first. */
  const consoleIds = async () =>
    (
      await page
        .locator('#events .event')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id ?? ''))
    ).reverse();
  const bothHaveAll = async (what: string) => {
    const want = expected.map(String);
    await waitUntil(
      async () => (await raw()).ids.length >= want.length && (await consoleIds()).length >= want.length,
      `${what}: both listeners to hold ${want.length} events`,
      30_000,
      100,
    ).catch(async (err) => {
      throw new Error(
        `${(err as Error).message}; raw ${JSON.stringify(await raw())}, console ${(await consoleIds()).length}`,
      );
    });
    assert.deepEqual((await raw()).ids, want, `${what}: the bare EventSource got every event once, in order`);
    assert.deepEqual(await consoleIds(), want, `${what}: the console shows every event once, in order`);
  };
  const startRelayA = async () => {
    relayA = await spawnRelay({ ...env, PORT: String(port) });
    assert.equal(relayA.port, port);
  };

  before(async () => {
    redis = await startTestRedis();
    env = relayEnv(redis.url, randomPrefix(), admin);
    port = await freePort();
    [relayB] = await Promise.all([spawnRelay(env), startRelayA()]);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('response', (response) => {
      if (new URL(response.url()).pathname !== '/api/events') return;
      // the headers Chromium actually sent (the provisional ones leave Last-Event-ID out)
      requestHeaders.push(
        response
          .request()
          .allHeaders()
          .then((h) => h['last-event-id'] ?? ''),
      );
    });
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/api/events') failedRequests += 1;
    });
  });

  after(async () => {
    await browser?.close();
    await relayA?.kill('SIGKILL');
    await relayB?.kill('SIGKILL');
    await redis?.stop();
  });

  it('with a token: connects, and takes nothing but the SSE routes', async () => {
    const res = await fetch(`${relayA!.baseUrl}/api/tokens`, { method: 'POST', headers: keyHeaders(admin) });
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    assert.equal(
      (await fetch(`${relayA!.baseUrl}/api/webhooks?token=${token}`)).status,
      401,
      'a token is for SSE only',
    );

    await page.goto(`${relayA!.baseUrl}/?token=${encodeURIComponent(token)}`);
    assert.equal(new URL(page.url()).search, '', 'the console takes the token out of the address bar');
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    // the console follows this test's events only (a relay's start may append APIKEY_UPDATED for its admin)
    await page.fill('#domains', 'Config');
    await page.fill('#patterns', `${KEYS}:*`);
    await page.press('#patterns', 'Enter');
    await page.locator('#connection[data-state="open"]').waitFor({ timeout: 10_000 });
    await page.evaluate((t) => {
      const source = new EventSource(
        `/api/events?domains=Config&patterns=bx:*&token=${encodeURIComponent(t)}`,
      );
      const l = { source, ids: [] as string[], opens: 0, errors: 0 };
      source.onopen = () => {
        l.opens += 1;
      };
      source.onerror = () => {
        l.errors += 1;
      };
      source.onmessage = (e) => {
        l.ids.push(e.lastEventId);
      };
      window.rawListener = l;
    }, token);
    await waitUntil(async () => (await raw()).opens === 1, 'the bare EventSource to open', 10_000);

    await publishVia(relayA!, 5);
    await bothHaveAll('before any restart');
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal} of the relay: the browser resumes with Last-Event-ID on the restarted relay`, async () => {
      const before = await raw();
      const lastSeen = before.ids.at(-1)!;
      const requestsBefore = requestHeaders.length;

      const code = await within(relayA!.kill(signal), 15_000, `${signal} of relay A`);
      assert.equal(code, signal === 'SIGKILL' ? null : 0, `relay A's exit after ${signal}`);
      await waitUntil(
        async () => (await raw()).errors > before.errors,
        'the browser noticing the relay is gone',
        10_000,
      );
      assert.equal((await raw()).readyState, 0, 'the EventSource is reconnecting by itself (CONNECTING)');

      const failedBefore = failedRequests;
      await publishVia(relayB!, 5); // during the outage, through the other relay
      // the outage lasts until both listeners have found the port closed at least once
      await waitUntil(
        () => failedRequests >= failedBefore + 2,
        'reconnections refused during the outage',
        15_000,
      );
      assert.equal((await raw()).readyState, 0, 'a refused reconnection leaves the EventSource reconnecting');
      await startRelayA();
      await publishVia(relayA!, 5); // right after the restart, maybe before the browser is back
      await bothHaveAll(`after ${signal}`);

      const after = await raw();
      assert.equal(after.opens, before.opens + 1, 'the same EventSource reopened once');
      const resumes = await Promise.all(requestHeaders.slice(requestsBefore));
      assert.equal(resumes.length, 2, 'both listeners reconnected once to the restarted relay');
      assert.ok(
        resumes.every((id) => id === lastSeen),
        `every reconnection sent Last-Event-ID ${lastSeen}: ${JSON.stringify(resumes)}`,
      );
    });
  }

  it('a forged token: the EventSource fails at once (no password prompt) and the console says why', async () => {
    const other = await browser!.newPage();
    try {
      await other.goto(`${relayA!.baseUrl}/?token=v1.forged.token`);
      await other.locator('#connection[data-state="closed"]').waitFor({ timeout: 10_000 });
      assert.match((await other.locator('#stream-error').textContent()) ?? '', /refused the stream \(401\)/);
      const readyState = await other.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const source = new EventSource('/api/events?token=v1.forged.token');
            source.onerror = () => resolve(source.readyState);
          }),
      );
      assert.equal(readyState, 2, 'CLOSED: the browser gave up rather than wait on an HTTP Basic prompt');
    } finally {
      await other.close();
    }
  });

  it('leaves a screenshot of the console after the restarts', async () => {
    await page.screenshot({ path: artifactPath('console-after-restarts.png'), fullPage: true });
    assert.equal(await page.locator('#connection').getAttribute('data-state'), 'open');
  });
});
