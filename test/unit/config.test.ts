import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';

// CONTRACT.md, Running it: environment variables validated at boot; a bad value stops the process with a
// message naming the variable. STYLE.md: read once, every problem in one message, frozen, injected.

const ADMIN = { RELAY_ADMIN_CLIENT_ID: 'admin', RELAY_ADMIN_CLIENT_SECRET: 'a-secret-of-24-characters' };

/** The ConfigError loadConfig throws for `env`. */
function configError(env: Record<string, string>): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
  return caught;
}

describe('defaults', () => {
  it('are those of the contract', () => {
    const config = loadConfig({});
    assert.equal(config.port, 9000);
    assert.equal(config.redisUrl, undefined, 'no REDIS_URL: the embedded redis-server');
    assert.equal(config.eventsRetentionMs, 24 * 3_600_000);
    assert.equal(config.eventsMaxLength, 1_000_000);
    assert.equal(config.sse.heartbeatMs, 15_000);
    assert.equal(config.webhook.timeoutMs, 10_000);
    assert.equal(config.webhook.maxAttempts, 8);
    assert.equal(config.webhook.backoffMs, 5_000);
    assert.equal(config.webhook.maxFailures, 10);
    assert.equal(config.webhook.allowPrivate, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.ingest.channel, 'izanami:events');
    assert.equal(config.ingest.enabled, true);
    assert.equal(config.idempotencyTtlMs, 24 * 3_600_000, 'a retried request within 24 h');
  });

  it('outside production, no admin key is required (one is generated)', () => {
    assert.equal(loadConfig({}).admin, undefined);
    assert.equal(loadConfig({}).nodeEnv, 'development');
    assert.equal(loadConfig({ NODE_ENV: 'test' }).admin, undefined);
  });
});

describe('reading variables', () => {
  it('reads each contract variable', () => {
    const config = loadConfig({
      PORT: '8080',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      ...ADMIN,
      EVENTS_RETENTION: '7d',
      EVENTS_MAX_LENGTH: '5000',
      SSE_HEARTBEAT_MS: '250',
      WEBHOOK_TIMEOUT_MS: '1500',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_BACKOFF_MS: '20',
      WEBHOOK_MAX_FAILURES: '4',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_CONCURRENCY: '7',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379/2');
    assert.deepEqual(config.admin, { clientId: 'admin', clientSecret: ADMIN.RELAY_ADMIN_CLIENT_SECRET });
    assert.equal(config.eventsRetentionMs, 7 * 86_400_000);
    assert.equal(config.eventsMaxLength, 5000);
    assert.equal(config.sse.heartbeatMs, 250);
    assert.deepEqual(
      { ...config.webhook },
      {
        timeoutMs: 1500,
        maxAttempts: 3,
        backoffMs: 20,
        maxFailures: 4,
        allowPrivate: true,
        concurrency: 7,
        stalledMs: 30000,
        claimIdleMs: 30000,
      },
    );
    assert.equal(config.logLevel, 'debug');
  });

  it('reads durations in every unit', () => {
    assert.equal(loadConfig({ EVENTS_RETENTION: '500ms' }).eventsRetentionMs, 500);
    assert.equal(loadConfig({ EVENTS_RETENTION: '30s' }).eventsRetentionMs, 30_000);
    assert.equal(loadConfig({ EVENTS_RETENTION: '15m' }).eventsRetentionMs, 900_000);
    assert.equal(loadConfig({ EVENTS_RETENTION: '24h' }).eventsRetentionMs, 86_400_000);
    assert.equal(loadConfig({ EVENTS_RETENTION: ' 2h ' }).eventsRetentionMs, 7_200_000);
    assert.equal(loadConfig({ TOKEN_TTL: '5m' }).tokenTtlMs, 300_000);
  });

  for (const [text, value] of [
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['', false],
  ] as const) {
    it(`reads the flag ${JSON.stringify(text)} as ${value}`, () => {
      assert.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: text }).webhook.allowPrivate, value);
    });
  }

  it('an empty REDIS_URL is no REDIS_URL', () => {
    assert.equal(loadConfig({ REDIS_URL: '' }).redisUrl, undefined);
  });

  it('accepts rediss:// URLs', () => {
    assert.equal(
      loadConfig({ REDIS_URL: 'rediss://redis.example:6380' }).redisUrl,
      'rediss://redis.example:6380',
    );
  });

  it('ignores variables it does not know', () => {
    assert.equal(loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' }).port, 9000);
  });

  it('reads the environment it is given, never process.env', () => {
    const previous = process.env.PORT;
    process.env.PORT = 'not a port';
    try {
      assert.equal(loadConfig({}).port, 9000);
    } finally {
      if (previous === undefined) delete process.env.PORT;
      else process.env.PORT = previous;
    }
  });

  it('does not change the environment it is given', () => {
    const env = { PORT: '8080', EVENTS_RETENTION: '1h' };
    loadConfig(env);
    assert.deepEqual(env, { PORT: '8080', EVENTS_RETENTION: '1h' });
  });
});

describe('bad values', () => {
  const bad: [string, string][] = [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', 'not a url'],
    ['EVENTS_RETENTION', 'forever'],
    ['EVENTS_RETENTION', '0s'],
    ['EVENTS_RETENTION', '-1h'],
    ['EVENTS_RETENTION', '366d'],
    ['EVENTS_MAX_LENGTH', 'lots'],
    ['EVENTS_MAX_LENGTH', '10'],
    ['EVENTS_MAX_LENGTH', '1500.5'],
    ['SSE_HEARTBEAT_MS', '0'],
    ['SSE_HEARTBEAT_MS', '15s'],
    ['WEBHOOK_TIMEOUT_MS', '0'],
    ['WEBHOOK_MAX_ATTEMPTS', '0'],
    ['WEBHOOK_BACKOFF_MS', 'fast'],
    ['WEBHOOK_MAX_FAILURES', '-3'],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'prod'],
    ['TOKEN_TTL', 'soon'],
    ['INGEST_ENABLED', 'perhaps'],
    ['REDIS_KEY_PREFIX', 'has spaces'],
    ['RELAY_TOKEN_SECRET', 'too-short'],
  ];
  for (const [name, value] of bad) {
    it(`${name}=${JSON.stringify(value)} stops boot with a message naming ${name}`, () => {
      const err = configError({ [name]: value });
      assert.ok(err.problems.length > 0);
      for (const problem of err.problems) assert.ok(problem.startsWith(name), problem);
      assert.ok(err.message.includes(name));
    });
  }

  it('every problem is reported together, in one error', () => {
    const env = Object.fromEntries([
      ['PORT', 'eighty'],
      ['EVENTS_RETENTION', 'forever'],
      ['SSE_HEARTBEAT_MS', '0'],
      ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
      ['LOG_LEVEL', 'loud'],
    ]);
    const err = configError(env);
    assert.equal(err.problems.length, 5);
    for (const name of Object.keys(env)) {
      assert.ok(err.message.includes(name), `${name} in ${err.message}`);
      assert.equal(err.problems.filter((p) => p.startsWith(name)).length, 1, name);
    }
  });

  it('is an Error named ConfigError whose message lists each problem on its own line', () => {
    const err = configError({ PORT: 'x', LOG_LEVEL: 'y' });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'ConfigError');
    for (const problem of err.problems) assert.ok(err.message.split('\n').some((l) => l.endsWith(problem)));
  });

  it('does not echo a secret it refuses', () => {
    const err = configError({
      RELAY_ADMIN_CLIENT_ID: 'admin',
      RELAY_ADMIN_CLIENT_SECRET: 'hunter2-short',
      RELAY_TOKEN_SECRET: 'token-hunter3',
      REDIS_URL: 'ftp://user:hunter4@host',
    });
    assert.equal(err.problems.length, 3);
    for (const secret of ['hunter2', 'hunter3', 'hunter4']) assert.ok(!err.message.includes(secret), secret);
  });
});

describe('the admin key', () => {
  it('is required in production, naming both variables', () => {
    const err = configError({ NODE_ENV: 'production' });
    assert.ok(err.message.includes('RELAY_ADMIN_CLIENT_ID'));
    assert.ok(err.message.includes('RELAY_ADMIN_CLIENT_SECRET'));
  });

  it('an empty value does not count as given in production', () => {
    const err = configError({
      NODE_ENV: 'production',
      RELAY_ADMIN_CLIENT_ID: '',
      RELAY_ADMIN_CLIENT_SECRET: '',
    });
    assert.ok(err.message.includes('RELAY_ADMIN_CLIENT_ID'));
  });

  it('in production, boots when both are given', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...ADMIN });
    assert.equal(config.nodeEnv, 'production');
    assert.deepEqual(config.admin, { clientId: 'admin', clientSecret: ADMIN.RELAY_ADMIN_CLIENT_SECRET });
  });

  it('one without the other is refused, naming the missing one', () => {
    assert.ok(configError({ RELAY_ADMIN_CLIENT_ID: 'admin' }).message.includes('RELAY_ADMIN_CLIENT_SECRET'));
    assert.ok(
      configError({ RELAY_ADMIN_CLIENT_SECRET: ADMIN.RELAY_ADMIN_CLIENT_SECRET }).message.includes(
        'RELAY_ADMIN_CLIENT_ID',
      ),
    );
  });

  it('a secret shorter than 16 characters is refused', () => {
    const err = configError({ RELAY_ADMIN_CLIENT_ID: 'admin', RELAY_ADMIN_CLIENT_SECRET: 'x'.repeat(15) });
    assert.ok(err.problems.some((p) => p.startsWith('RELAY_ADMIN_CLIENT_SECRET')));
    assert.ok(
      loadConfig({ RELAY_ADMIN_CLIENT_ID: 'admin', RELAY_ADMIN_CLIENT_SECRET: 'x'.repeat(16) }).admin,
    );
  });

  it('a client id with characters outside the allowed set is refused', () => {
    const err = configError({ ...ADMIN, RELAY_ADMIN_CLIENT_ID: 'no spaces' });
    assert.ok(err.problems.some((p) => p.startsWith('RELAY_ADMIN_CLIENT_ID')));
  });
});

describe('the config object', () => {
  it('is frozen, nested objects included', () => {
    const config = loadConfig({ ...ADMIN });
    for (const part of [config, config.webhook, config.sse, config.ingest, config.admin]) {
      assert.ok(Object.isFrozen(part));
    }
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.webhook as { maxAttempts: number }).maxAttempts = 1;
    }, TypeError);
    assert.throws(() => {
      (config.admin as { clientSecret: string }).clientSecret = 'changed';
    }, TypeError);
    assert.equal(config.webhook.maxAttempts, 8);
  });

  it('each call gives its own object', () => {
    const a = loadConfig({ PORT: '1' });
    const b = loadConfig({ PORT: '2' });
    assert.equal(a.port, 1);
    assert.equal(b.port, 2);
  });
});
