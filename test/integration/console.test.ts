import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONSOLE_CSP } from '../../src/http/live-console.js';
import { relayForSuite } from '../helpers/relay-suite.js';

// The live console's files (README, Console): public, static, under a strict CSP; and the 401 of an SSE route
// given a bad token, which must not ask a browser for a password.

const ASSETS = [
  { path: '/', type: /^text\/html/ },
  { path: '/console/console.js', type: /^text\/javascript/ },
  { path: '/console/console.css', type: /^text\/css/ },
  { path: '/console/favicon.svg', type: /^image\/svg\+xml/ },
];

describe('the live console', () => {
  const suite = relayForSuite();

  it('serves its files to anyone, the same to anyone, with a strict CSP and no Referer', async () => {
    for (const { path, type } of ASSETS) {
      const anonymous = await suite.relay.request(path, { as: null });
      assert.equal(anonymous.status, 200, path);
      assert.match(anonymous.headers.get('content-type') ?? '', type, path);
      assert.equal(anonymous.headers.get('content-security-policy'), CONSOLE_CSP, path);
      assert.equal(anonymous.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(anonymous.headers.get('referrer-policy'), 'no-referrer', path);
      const asAdmin = await suite.relay.request(path);
      assert.equal(await asAdmin.text(), await anonymous.text(), `${path} holds nothing of the caller`);
    }
    assert.match(CONSOLE_CSP, /(^|; )default-src 'self'(;|$)/);
    assert.match(CONSOLE_CSP, /(^|; )script-src 'self'(;|$)/);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/);
  });

  it('has no inline script, no inline style and nothing from another origin', async () => {
    const html = await (await suite.relay.request('/', { as: null })).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.equal(scripts.length, 1, 'one script');
    assert.match(scripts[0]![1]!, /\bsrc="\/console\/console\.js"/);
    assert.equal(scripts[0]![2]!.trim(), '', 'the script element is empty');
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or event handler attribute');
    for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) {
      assert.match(url!, /^\/console\//, `${url} is one of the console's files`);
    }
    const script = await (await suite.relay.request('/console/console.js', { as: null })).text();
    assert.doesNotMatch(script, /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|\beval\(/);
    assert.doesNotMatch(script, /localStorage/, 'the key stays in sessionStorage');
  });

  it('answers HEAD, refuses other methods with 405 and unknown files with 404', async () => {
    const head = await suite.relay.request('/', { method: 'HEAD', as: null });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await suite.relay.request('/console/console.js', { method, as: null });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'RELAY_ERR_METHOD_NOT_ALLOWED',
      );
    }
    for (const path of [
      '/console/',
      '/console/nope.js',
      '/console/../src/http/live-console.ts',
      '/index.html',
    ]) {
      const res = await suite.relay.request(path, { as: null });
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'RELAY_ERR_NOT_FOUND');
    }
  });

  it('a bad token on an SSE route is a 401 without a Basic challenge; other 401s keep it', async () => {
    const tokenRes = await suite.relay.request('/api/tokens', { method: 'POST' });
    const { token } = (await tokenRes.json()) as { token: string };
    const forged = `${token.slice(0, -2)}xx`;
    for (const path of [`/api/events?token=${forged}`, `/api/events/Config?token=${forged}`]) {
      const res = await suite.relay.request(path, { as: null });
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), null, `${path}: a browser EventSource fails at once`);
      assert.equal(
        ((await res.json()) as { error: { code: string } }).error.code,
        'RELAY_ERR_UNAUTHENTICATED',
      );
    }
    const challenged = [
      '/api/events', // no credentials at all
      `/api/webhooks?token=${token}`, // a token where tokens are not accepted
      `/api/events?clientId=${suite.relay.admin.clientId}&clientSecret=${suite.relay.admin.clientSecret}`, // secret in a URL
    ];
    for (const path of challenged) {
      const res = await suite.relay.request(path, { as: null });
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /, path);
      await res.arrayBuffer();
    }
  });
});
