import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../helpers/log-capture.js';

// CONTRACT.md, Operations: logs are winston JSON lines with no secrets. STYLE.md §7: secrets never reach a
// log line, whatever their nesting.

/** Lets the logger's streams pass the lines on to the capture. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function logged(write: (logs: ReturnType<typeof captureLogs>) => void): Promise<string[]> {
  const logs = captureLogs();
  write(logs);
  await flush();
  assert.ok(logs.lines.length > 0, 'something was logged');
  return logs.lines;
}

function assertNoSecret(lines: readonly string[], secrets: readonly string[]) {
  for (const line of lines) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `${secret} leaked in ${line}`);
  }
}

describe('log lines', () => {
  it('are JSON with level, message and timestamp', async () => {
    const lines = await logged(({ logger }) => logger.info('hello', { clientId: 'app', n: 3 }));
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0] as string);
    assert.equal(entry.level, 'info');
    assert.equal(entry.message, 'hello');
    assert.equal(entry.clientId, 'app');
    assert.equal(entry.n, 3);
    assert.ok(!Number.isNaN(Date.parse(entry.timestamp)));
  });

  it('honour the level', async () => {
    const logs = captureLogs('warn');
    logs.logger.info('quiet');
    logs.logger.debug('quieter');
    logs.logger.warn('loud');
    await flush();
    assert.deepEqual(
      logs.lines.map((l) => JSON.parse(l).message),
      ['loud'],
    );
  });

  it('keep an error’s name and message', async () => {
    const lines = await logged(({ logger }) => logger.error('failed', { error: new Error('boom') }));
    const entry = JSON.parse(lines[0] as string);
    assert.equal(entry.error.message, 'boom');
    assert.equal(entry.error.name, 'Error');
  });
});

describe('secrets', () => {
  it('never appear, at the top level or nested, in objects or lists', async () => {
    const secrets = [
      'S1-client-secret',
      'Basic UzI6c2VjcmV0',
      'S3-token',
      'S4-header',
      'S5-cookie',
      'S6-password',
    ];
    const lines = await logged(({ logger }) =>
      logger.info('request', {
        clientId: 'app',
        clientSecret: secrets[0],
        authorization: secrets[1],
        nested: { deeper: { token: secrets[2] } },
        headers: { 'izanami-client-secret': secrets[3], cookie: secrets[4], accept: 'text/event-stream' },
        attempts: [{ password: secrets[5] }],
      }),
    );
    assertNoSecret(lines, secrets);
    const entry = JSON.parse(lines[0] as string);
    assert.equal(entry.clientSecret, '[redacted]');
    assert.equal(entry.authorization, '[redacted]');
    assert.equal(entry.nested.deeper.token, '[redacted]');
    assert.equal(entry.headers['izanami-client-secret'], '[redacted]');
    assert.equal(entry.attempts[0].password, '[redacted]');
    assert.equal(entry.clientId, 'app', 'what is not a secret is kept');
    assert.equal(entry.headers.accept, 'text/event-stream');
  });

  it('are redacted whatever the case or form of the field name', async () => {
    const secrets = ['a1', 'b2', 'c3', 'd4', 'e5'].map((s) => `secret-value-${s}`);
    const lines = await logged(({ logger }) =>
      logger.warn('x', {
        ClientSecret: secrets[0],
        AUTHORIZATION: secrets[1],
        accessToken: secrets[2],
        client_secret: secrets[3],
        'Set-Cookie': secrets[4],
      }),
    );
    assertNoSecret(lines, secrets);
  });

  it('a whole object under a secret name is redacted, not walked', async () => {
    const lines = await logged(({ logger }) => logger.info('x', { token: { value: 'inner-token-value' } }));
    assertNoSecret(lines, ['inner-token-value']);
  });

  it('never appear from a child logger’s fields', async () => {
    const lines = await logged(({ logger }) =>
      logger.child({ requestId: 'r1', authorization: 'Basic child-secret' }).info('in child'),
    );
    assertNoSecret(lines, ['child-secret']);
    assert.equal(JSON.parse(lines[0] as string).requestId, 'r1');
  });

  it('never appear however deep they are nested', async () => {
    let deep: Record<string, unknown> = { token: 'deeply-nested-token' };
    for (let i = 0; i < 12; i++) deep = { level: deep };
    const lines = await logged(({ logger }) => logger.info('deep', { deep }));
    assertNoSecret(lines, ['deeply-nested-token']);
  });

  it('redacting does not change the caller’s objects', async () => {
    const meta = { clientSecret: 'kept-by-caller', nested: { token: 'also-kept' } };
    await logged(({ logger }) => logger.info('x', meta));
    assert.equal(meta.clientSecret, 'kept-by-caller');
    assert.equal(meta.nested.token, 'also-kept');
  });

  it('an object that refers to itself is logged without a secret and without hanging', async () => {
    const loop: Record<string, unknown> = { name: 'loop', secret: 'looped-secret' };
    loop.self = loop;
    const lines = await logged(({ logger }) => logger.info('x', { loop }));
    assertNoSecret(lines, ['looped-secret']);
  });
});
