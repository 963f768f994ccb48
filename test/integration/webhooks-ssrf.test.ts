import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isRelayError } from '../../src/errors/catalogue.js';
import { HookUrlError, type HostLookup, validateHookUrl } from '../../src/webhooks/hook-url.js';
import {
  DeliveryNetworkError,
  destroyDeliveryAgents,
  guardLookup,
  type PostJsonOptions,
  postJson,
} from '../../src/webhooks/http-post.js';

// DESIGN.md, Webhooks (SSRF) and issue 3 item 4: refused at registration and again at delivery, on the address
// connected to, redirects not followed. Traffic only ever goes to 127.0.0.1 and ::1: every private or public
// address below is either refused before any connection or only handed to validateHookUrl, which never connects.

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly remotePort: number | undefined;
}

interface Receiver {
  readonly port: number;
  readonly url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function startReceiver(handler: Handler, host = '127.0.0.1'): Promise<Receiver> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { method = '', url = '', headers } = req;
      requests.push({ method, url, headers, body, remotePort: req.socket.remotePort });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    url: `http://${shown}:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok: Handler = (_req, res) => res.end('ok');

/** Every TCP connection attempt any client socket makes, seen through Node's own diagnostics channel. */
const attempts: string[] = [];
function onClientSocket(message: unknown): void {
  const { socket } = message as { socket: Socket };
  socket.on('connectionAttempt', (ip: string, port: number) => attempts.push(`${ip}:${port}`));
}

const PRIVATE_OPTIONS: PostJsonOptions = { timeoutMs: 2000, allowPrivate: true, maxResponseBytes: 4096 };
const GUARDED_OPTIONS: PostJsonOptions = { ...PRIVATE_OPTIONS, allowPrivate: false };

const fixedLookup =
  (...addresses: string[]): HostLookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function networkError(promise: Promise<unknown>): Promise<DeliveryNetworkError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DeliveryNetworkError, `expected a DeliveryNetworkError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the POST to fail');
}

async function hookUrlError(promise: Promise<unknown>): Promise<HookUrlError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HookUrlError, `expected a HookUrlError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the URL to be refused');
}

before(() => dc.subscribe('net.client.socket', onClientSocket));
after(() => {
  dc.unsubscribe('net.client.socket', onClientSocket);
  destroyDeliveryAgents();
});
beforeEach(() => {
  attempts.length = 0;
});

describe('postJson, private addresses allowed (development and tests)', () => {
  it('delivers the body and headers and returns the status, headers and body', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(201, { 'x-receiver': 'yes', 'content-type': 'text/plain' });
      res.end('thanks');
    });
    try {
      const body = JSON.stringify({ hello: 'wörld' });
      const response = await postJson(
        `${receiver.url}hooks/a?x=1`,
        body,
        {
          'Content-Type': 'application/json',
          'webhook-id': 'msg_1',
          'Content-Length': '1',
          'Transfer-Encoding': 'chunked',
          Connection: 'close',
        },
        PRIVATE_OPTIONS,
      );
      assert.equal(response.status, 201);
      assert.equal(response.headers['x-receiver'], 'yes');
      assert.equal(response.body, 'thanks');
      assert.equal(response.truncated, false);
      assert.ok(response.durationMs >= 0 && response.durationMs < 2000);
      assert.equal(receiver.requests.length, 1);
      const [received] = receiver.requests;
      assert.equal(received?.method, 'POST');
      assert.equal(received?.url, '/hooks/a?x=1');
      assert.equal(received?.body, body);
      assert.equal(received?.headers['content-type'], 'application/json');
      assert.equal(received?.headers['webhook-id'], 'msg_1');
      assert.equal(received?.headers['content-length'], String(Buffer.byteLength(body)));
      assert.equal(received?.headers['transfer-encoding'], undefined);
      assert.equal(received?.headers.connection, 'keep-alive');
      assert.deepEqual(attempts, [`127.0.0.1:${receiver.port}`]);
    } finally {
      await receiver.close();
    }
  });

  it('reuses the keep-alive connection for the next POST', async () => {
    const receiver = await startReceiver(ok);
    try {
      await postJson(receiver.url, '{}', {}, PRIVATE_OPTIONS);
      await postJson(receiver.url, '{}', {}, PRIVATE_OPTIONS);
      assert.equal(receiver.requests.length, 2);
      assert.equal(receiver.requests[0]?.remotePort, receiver.requests[1]?.remotePort);
      assert.equal(attempts.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('uses the injected lookup to find the address, and sends the URL host name', async () => {
    const receiver = await startReceiver(ok);
    try {
      const options = { ...PRIVATE_OPTIONS, lookup: fixedLookup('127.0.0.1') };
      const response = await postJson(`http://receiver.test:${receiver.port}/`, '{}', {}, options);
      assert.equal(response.status, 200);
      assert.equal(receiver.requests[0]?.headers.host, `receiver.test:${receiver.port}`);
    } finally {
      await receiver.close();
    }
  });

  it('times out on a receiver that never answers, within the bound', async () => {
    const receiver = await startReceiver(() => {});
    try {
      const started = performance.now();
      const err = await networkError(
        postJson(receiver.url, '{}', {}, { ...PRIVATE_OPTIONS, timeoutMs: 300 }),
      );
      const elapsed = performance.now() - started;
      assert.equal(err.kind, 'timeout');
      assert.ok(elapsed >= 290 && elapsed < 1500, `took ${elapsed} ms`);
      assert.ok(err.durationMs !== undefined && err.durationMs >= 290);
      assert.equal(receiver.requests.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('times out on a receiver that sends headers and then stalls the body', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    try {
      const started = performance.now();
      const err = await networkError(
        postJson(receiver.url, '{}', {}, { ...PRIVATE_OPTIONS, timeoutMs: 300 }),
      );
      assert.equal(err.kind, 'timeout');
      assert.ok(performance.now() - started < 1500);
    } finally {
      await receiver.close();
    }
  });

  it('reports a connection reset as a network error', async () => {
    const receiver = await startReceiver((req) => req.socket.resetAndDestroy());
    try {
      const err = await networkError(postJson(receiver.url, '{}', {}, PRIVATE_OPTIONS));
      assert.equal(err.kind, 'network');
      assert.equal(err.code, 'ECONNRESET');
      assert.equal(receiver.requests.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('reports a refused connection as a network error', async () => {
    const receiver = await startReceiver(ok);
    await receiver.close();
    const err = await networkError(postJson(receiver.url, '{}', {}, PRIVATE_OPTIONS));
    assert.equal(err.kind, 'network');
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('returns a 302 as it is and never requests its target', async () => {
    const target = await startReceiver(ok);
    const redirector = await startReceiver((_req, res) => {
      res.writeHead(302, { location: `${target.url}stolen` });
      res.end();
    });
    try {
      const response = await postJson(redirector.url, '{}', {}, PRIVATE_OPTIONS);
      assert.equal(response.status, 302);
      assert.equal(response.headers.location, `${target.url}stolen`);
      assert.equal(redirector.requests.length, 1);
      assert.equal(target.requests.length, 0);
      assert.deepEqual(attempts, [`127.0.0.1:${redirector.port}`]);
    } finally {
      await redirector.close();
      await target.close();
    }
  });

  it('returns a redirect to the metadata address without following it', async () => {
    const redirector = await startReceiver((_req, res) => {
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    try {
      const response = await postJson(redirector.url, '{}', {}, PRIVATE_OPTIONS);
      assert.equal(response.status, 307);
      assert.deepEqual(attempts, [`127.0.0.1:${redirector.port}`]);
    } finally {
      await redirector.close();
    }
  });

  it('keeps at most maxResponseBytes of the response body and stays usable', async () => {
    const big = 'x'.repeat(1_000_000);
    const receiver = await startReceiver((_req, res) => res.end(big));
    try {
      const response = await postJson(receiver.url, '{}', {}, { ...PRIVATE_OPTIONS, maxResponseBytes: 1000 });
      assert.equal(response.status, 200);
      assert.equal(response.body, 'x'.repeat(1000));
      assert.equal(response.truncated, true);
      const exact = await postJson(
        receiver.url,
        '{}',
        {},
        { ...PRIVATE_OPTIONS, maxResponseBytes: 1_000_000 },
      );
      assert.equal(exact.body.length, 1_000_000);
      assert.equal(exact.truncated, false);
    } finally {
      await receiver.close();
    }
  });

  it('refuses to deliver to anything but http and https', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'not a url']) {
      const err = await networkError(postJson(url, '{}', {}, PRIVATE_OPTIONS));
      assert.equal(err.kind, 'forbidden-address', url);
    }
    assert.deepEqual(attempts, []);
  });
});

describe('postJson, private addresses refused', () => {
  let v4: Receiver;
  let v6: Receiver;
  before(async () => {
    v4 = await startReceiver(ok, '127.0.0.1');
    v6 = await startReceiver(ok, '::1');
  });
  after(async () => {
    await v4.close();
    await v6.close();
  });

  const loopbackForms = (port: number, port6: number) => [
    `http://127.0.0.1:${port}/`,
    `http://localhost:${port}/`,
    `http://LOCALHOST:${port}/`,
    `http://127.0.0.1.:${port}/`,
    `http://127.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0x7f000001:${port}/`,
    `http://017700000001:${port}/`,
    `http://0x7f.1:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
    `http://[::1]:${port6}/`,
    `http://[0:0:0:0:0:0:0:1]:${port6}/`,
    `https://127.0.0.1:${port}/`,
  ];

  it('refuses every loopback form before connecting: the receivers see nothing', async () => {
    for (const url of loopbackForms(v4.port, v6.port)) {
      const started = performance.now();
      const err = await networkError(postJson(url, '{}', {}, GUARDED_OPTIONS));
      assert.equal(err.kind, 'forbidden-address', url);
      assert.equal(err.refusal?.reason, 'loopback', url);
      assert.ok(performance.now() - started < 1000, url);
    }
    assert.deepEqual(attempts, []);
    assert.equal(v4.requests.length, 0);
    assert.equal(v6.requests.length, 0);
  });

  it('refuses private, link-local, metadata and other reserved addresses without any traffic', async () => {
    const cases: readonly [string, string][] = [
      ['http://10.0.0.1/', 'private'],
      ['http://192.168.1.1/', 'private'],
      ['http://172.16.0.1:8080/', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'metadata'],
      ['http://[fd00:ec2::254]/', 'metadata'],
      ['http://[::ffff:169.254.169.254]/', 'metadata'],
      ['http://169.254.1.1/', 'link-local'],
      ['http://100.64.0.1/', 'carrier-grade-nat'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://[fc00::1]/', 'unique-local'],
      ['http://[fd12:3456::1]/', 'unique-local'],
      ['https://10.0.0.1/', 'private'],
    ];
    for (const [url, reason] of cases) {
      const started = performance.now();
      const err = await networkError(postJson(url, '{}', {}, { ...GUARDED_OPTIONS, timeoutMs: 5000 }));
      assert.equal(err.kind, 'forbidden-address', url);
      assert.equal(err.refusal?.reason, reason, url);
      assert.ok(performance.now() - started < 1000, url);
    }
    assert.deepEqual(attempts, []);
  });

  it('never connects to a *.localhost name: refused as loopback, or not resolved at all', async () => {
    // RFC 6761 names: some resolvers map them to loopback (refused), this machine's may not resolve them
    const err = await networkError(
      postJson(`http://relay-ssrf.localhost:${v4.port}/`, '{}', {}, GUARDED_OPTIONS),
    );
    assert.ok(
      err.kind === 'forbidden-address' || (err.kind === 'network' && err.code === 'ENOTFOUND'),
      `${err.kind} ${err.code}: ${err.message}`,
    );
    assert.deepEqual(attempts, []);
    assert.equal(v4.requests.length, 0);
  });

  it('checks the address the lookup gives at delivery, not the one seen at registration', async () => {
    const url = `http://rebind.test:${v4.port}/`;
    const registered = await validateHookUrl(url, {
      allowPrivate: false,
      lookup: fixedLookup('93.184.216.34'),
    });
    assert.equal(registered.hostname, 'rebind.test');
    const err = await networkError(
      postJson(url, '{}', {}, { ...GUARDED_OPTIONS, lookup: fixedLookup('127.0.0.1') }),
    );
    assert.equal(err.kind, 'forbidden-address');
    assert.match(err.message, /rebind\.test resolves to 127\.0\.0\.1 is a loopback address/);
    assert.deepEqual(attempts, []);
    assert.equal(v4.requests.length, 0);
  });

  it('refuses a host name when any of its addresses is refused', async () => {
    const options = { ...GUARDED_OPTIONS, lookup: fixedLookup('127.0.0.1', '::1') };
    const err = await networkError(postJson(`http://two.test:${v4.port}/`, '{}', {}, options));
    assert.equal(err.kind, 'forbidden-address');
    assert.deepEqual(attempts, []);
  });

  it('judges every address the connect-time lookup returns, before the socket may use any', async () => {
    const zone: Record<string, LookupAddress[]> = {
      'mixed.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
      'public.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    };
    const base: LookupFunction = (host, options, callback) => {
      const records = zone[host] ?? [];
      if (options.all) callback(null, records);
      else callback(null, records[0]?.address ?? '', records[0]?.family);
    };
    const ask = (host: string, all: boolean) =>
      new Promise<{ err: Error | null; address: string | LookupAddress[] }>((resolve) =>
        guardLookup(base)(host, { all }, (err, address) => resolve({ err, address })),
      );

    const mixed = await ask('mixed.test', true);
    assert.ok(mixed.err instanceof DeliveryNetworkError);
    assert.equal(mixed.err.kind, 'forbidden-address');
    assert.equal(mixed.err.refusal?.address, '10.0.0.1');
    assert.equal(mixed.address, '');
    assert.deepEqual(await ask('public.test', true), { err: null, address: zone['public.test'] });
    assert.deepEqual(await ask('public.test', false), { err: null, address: '93.184.216.34' });
    assert.deepEqual(attempts, []);
  });

  it('never reuses a connection pooled while private addresses were allowed', async () => {
    const open = await postJson(v4.url, '{}', {}, PRIVATE_OPTIONS);
    assert.equal(open.status, 200);
    assert.equal(v4.requests.length, 1);
    const err = await networkError(postJson(v4.url, '{}', {}, GUARDED_OPTIONS));
    assert.equal(err.kind, 'forbidden-address');
    assert.equal(v4.requests.length, 1);
    v4.requests.length = 0;
  });
});

describe('validateHookUrl', () => {
  const refusingLookup: HostLookup = async (host) => {
    throw new Error(`no lookup expected for ${host}`);
  };

  it('refuses every loopback, private, link-local and metadata form of an IP address, without resolving', async () => {
    const cases: readonly [string, string][] = [
      ['http://127.0.0.1/', '127.0.0.1'],
      ['http://127.0.0.1.:8080/', '127.0.0.1'],
      ['http://2130706433/', '127.0.0.1'],
      ['http://0x7f000001/', '127.0.0.1'],
      ['http://017700000001/', '127.0.0.1'],
      ['http://0x7f.1/', '127.0.0.1'],
      ['http://0177.0.0.1/', '127.0.0.1'],
      ['http://127.1/', '127.0.0.1'],
      ['http://[::1]/', '::1'],
      ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
      ['http://[::127.0.0.1]/', '::7f00:1'],
      ['http://[64:ff9b::127.0.0.1]/', '64:ff9b::7f00:1'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://012.0.0.1/', '10.0.0.1'],
      ['http://192.168.1.1/', '192.168.1.1'],
      ['http://3232235777/', '192.168.1.1'],
      ['http://172.16.0.1/', '172.16.0.1'],
      ['http://169.254.169.254/', '169.254.169.254'],
      ['http://0xa9fea9fe/', '169.254.169.254'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
      ['http://[::ffff:7f00:1]/', '::ffff:7f00:1'],
      ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
      ['http://[fc00::1]/', 'fc00::1'],
      ['http://[fd12:3456::1]/', 'fd12:3456::1'],
      ['http://[fe80::1]/', 'fe80::1'],
      ['http://100.100.100.200/', '100.100.100.200'],
      ['http://0.0.0.0/', '0.0.0.0'],
      ['http://0/', '0.0.0.0'],
      ['https://[fe80::1]:8443/', 'fe80::1'],
    ];
    for (const [url, address] of cases) {
      const err = await hookUrlError(
        validateHookUrl(url, { allowPrivate: false, lookup: refusingLookup, path: 'callbackUrl' }),
      );
      assert.equal(err.reason, 'forbidden-address', url);
      assert.equal(err.refusal?.address, address, url);
      assert.ok(isRelayError(err));
      assert.equal(err.code, 'RELAY_ERR_VALIDATION');
      assert.equal(err.status, 400);
      assert.equal(err.details?.[0]?.path, 'callbackUrl');
      assert.match(err.details?.[0]?.message ?? '', /must not point at a private or reserved address/);
    }
  });

  it('refuses localhost, which the system resolver maps to loopback', async () => {
    const err = await hookUrlError(validateHookUrl('http://localhost:8080/hook', { allowPrivate: false }));
    assert.equal(err.reason, 'forbidden-address');
    assert.equal(err.refusal?.reason, 'loopback');
    assert.match(err.message, /localhost resolves to/);
  });

  it('refuses a host name when any of its addresses is private', async () => {
    const lookup = fixedLookup('93.184.216.34', '2606:2800:220:1::1', '10.1.2.3');
    const err = await hookUrlError(
      validateHookUrl('https://hooks.example.com/in', { allowPrivate: false, lookup }),
    );
    assert.equal(err.reason, 'forbidden-address');
    assert.equal(err.refusal?.address, '10.1.2.3');
    assert.equal(err.details?.[0]?.path, 'url');
  });

  it('accepts a host name whose addresses are all public, normalized, without connecting', async () => {
    const asked: string[] = [];
    const lookup: HostLookup = async (host) => {
      asked.push(host);
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ];
    };
    const url = await validateHookUrl('HTTPS://Hooks.Example.COM:443/in?x=1', {
      allowPrivate: false,
      lookup,
    });
    assert.equal(url.href, 'https://hooks.example.com/in?x=1');
    assert.deepEqual(asked, ['hooks.example.com']);
    assert.deepEqual(attempts, []);
  });

  it('accepts a public IP address without resolving it', async () => {
    const url = await validateHookUrl('http://8.8.8.8:8080/x', {
      allowPrivate: false,
      lookup: refusingLookup,
    });
    assert.equal(url.host, '8.8.8.8:8080');
  });

  it('refuses a host name that does not resolve', async () => {
    const notFound: HostLookup = async (host) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    };
    const err = await hookUrlError(
      validateHookUrl('http://nowhere.test/', { allowPrivate: false, lookup: notFound }),
    );
    assert.equal(err.reason, 'unresolvable');
    assert.match(err.message, /nowhere\.test does not resolve \(ENOTFOUND\)/);
    const empty = await hookUrlError(
      validateHookUrl('http://empty.test/', { allowPrivate: false, lookup: fixedLookup() }),
    );
    assert.equal(empty.reason, 'unresolvable');
  });

  it('refuses other schemes, credentials in the URL and what is not a URL', async () => {
    const cases: readonly [string, string][] = [
      ['ftp://example.com/', 'scheme'],
      ['file:///etc/passwd', 'scheme'],
      ['javascript:alert(1)', 'scheme'],
      ['ws://example.com/', 'scheme'],
      ['http://user:secret@example.com/', 'credentials'],
      ['http://user@example.com/', 'credentials'],
      ['http://:secret@example.com/', 'credentials'],
      ['http://example.com@127.0.0.1/', 'credentials'],
      ['not a url', 'invalid-url'],
      ['/relative/path', 'invalid-url'],
      ['http://exa mple.com/', 'invalid-url'],
      ['http://[::1/', 'invalid-url'],
      ['http://256.256.256.256/', 'invalid-url'],
      ['', 'invalid-url'],
    ];
    for (const allowPrivate of [false, true]) {
      for (const [url, reason] of cases) {
        const err = await hookUrlError(
          validateHookUrl(url, { allowPrivate, lookup: fixedLookup('8.8.8.8') }),
        );
        assert.equal(err.reason, reason, url);
        assert.equal(err.code, 'RELAY_ERR_VALIDATION');
      }
    }
  });

  it('accepts private and loopback addresses with allowPrivate, resolving nothing', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/',
      'http://10.0.0.1/',
      'http://[::1]/',
    ]) {
      const parsed = await validateHookUrl(url, { allowPrivate: true, lookup: refusingLookup });
      assert.equal(parsed.protocol, 'http:');
    }
    const canonical = await validateHookUrl('http://2130706433:80/', { allowPrivate: true });
    assert.equal(canonical.href, 'http://127.0.0.1/');
    const mapped = await validateHookUrl('http://[::ffff:127.0.0.1]/', { allowPrivate: true });
    assert.equal(mapped.hostname, '[::ffff:7f00:1]');
  });
});
