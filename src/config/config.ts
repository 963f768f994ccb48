import Joi from 'joi';
import { parseDuration } from './duration.js';

export interface AdminKeyConfig {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface RelayConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  /** Unset: the relay starts and owns a private redis-server. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;
  readonly dataDir: string;
  readonly embeddedRedisPort: number;
  readonly admin: AdminKeyConfig | undefined;
  readonly tokenSecret: string | undefined;
  readonly tokenTtlMs: number;
  readonly eventsRetentionMs: number;
  readonly eventsMaxLength: number;
  readonly idempotencyTtlMs: number;
  readonly ingest: { readonly enabled: boolean; readonly channel: string; readonly dedupTtlMs: number };
  readonly sse: { readonly heartbeatMs: number; readonly maxBufferedBytes: number };
  readonly webhook: {
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly backoffMs: number;
    readonly maxFailures: number;
    readonly allowPrivate: boolean;
    readonly concurrency: number;
    /** A delivery whose worker stopped answering for this long is handed to another (BullMQ lock/stall). */
    readonly stalledMs: number;
    /** Stream entries a dispatcher left unacknowledged this long are taken over by another. */
    readonly claimIdleMs: number;
  };
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
}

const YEAR_MS = 365 * 86_400_000;

/** A duration such as `24h`, converted to milliseconds, between 1 ms and a year. */
const duration = Joi.string()
  .trim()
  .custom((value: string, helpers) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0 || ms > YEAR_MS) return helpers.error('any.invalid');
    return ms;
  })
  .messages({
    'any.invalid': '{{#label}} must be a duration from 1ms to 365d, such as 500ms, 30s, 15m, 24h or 7d',
  });

const bool = Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off', '');

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().integer().min(0).max(65535).default(9000),
  HOST: Joi.string().default('0.0.0.0'),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .empty(''),
  REDIS_KEY_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('relay')
    .messages({ 'string.pattern.base': '{{#label}} must be 1-64 letters, digits, "_", "." or "-"' }),
  DATA_DIR: Joi.string().default('./data'),
  EMBEDDED_REDIS_PORT: Joi.number().integer().min(1).max(65535).default(6390),
  RELAY_ADMIN_CLIENT_ID: Joi.string()
    .pattern(/^[A-Za-z0-9_.:@-]{1,128}$/)
    .empty('')
    .messages({ 'string.pattern.base': '{{#label}} must be 1-128 letters, digits or _.:@-' }),
  RELAY_ADMIN_CLIENT_SECRET: Joi.string().min(16).max(256).empty(''),
  RELAY_TOKEN_SECRET: Joi.string().min(32).empty(''),
  TOKEN_TTL: duration.default(parseDuration('15m')),
  EVENTS_RETENTION: duration.default(parseDuration('24h')),
  EVENTS_MAX_LENGTH: Joi.number().integer().min(1000).max(1_000_000_000).default(1_000_000),
  IDEMPOTENCY_TTL: duration.default(parseDuration('24h')),
  INGEST_ENABLED: bool.default(true),
  INGEST_CHANNEL: Joi.string().min(1).max(256).default('izanami:events'),
  INGEST_DEDUP_TTL: duration.default(parseDuration('24h')),
  SSE_HEARTBEAT_MS: Joi.number().integer().min(100).max(3_600_000).default(15000),
  SSE_MAX_BUFFERED_BYTES: Joi.number()
    .integer()
    .min(16 * 1024)
    .max(1024 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(1).max(600_000).default(10000),
  WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(100).default(8),
  WEBHOOK_BACKOFF_MS: Joi.number().integer().min(1).max(86_400_000).default(5000),
  WEBHOOK_MAX_FAILURES: Joi.number().integer().min(1).max(100_000).default(10),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_CONCURRENCY: Joi.number().integer().min(1).max(1000).default(50),
  WEBHOOK_STALLED_MS: Joi.number().integer().min(500).max(3_600_000).default(30000),
  DISPATCH_CLAIM_IDLE_MS: Joi.number().integer().min(500).max(3_600_000).default(30000),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly').default('info'),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(100).max(600_000).default(10000),
})
  .unknown(true)
  .and('RELAY_ADMIN_CLIENT_ID', 'RELAY_ADMIN_CLIENT_SECRET')
  .when(Joi.object({ NODE_ENV: Joi.valid('production').required() }).unknown(), {
    // biome-ignore lint/suspicious/noThenProperty: joi's conditional schema takes `then`
    then: Joi.object({
      RELAY_ADMIN_CLIENT_ID: Joi.required(),
      RELAY_ADMIN_CLIENT_SECRET: Joi.required(),
    }),
  });

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the environment once: every problem is reported together, each naming its variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RelayConfig {
  const { value: v, error } = schema.validate(env, {
    abortEarly: false,
    convert: true,
    errors: { wrap: { label: false } },
  });
  if (error) throw new ConfigError(error.details.map((d) => d.message));
  const admin =
    v.RELAY_ADMIN_CLIENT_ID && v.RELAY_ADMIN_CLIENT_SECRET
      ? { clientId: v.RELAY_ADMIN_CLIENT_ID, clientSecret: v.RELAY_ADMIN_CLIENT_SECRET }
      : undefined;
  const config: RelayConfig = {
    nodeEnv: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    redisUrl: v.REDIS_URL,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
    dataDir: v.DATA_DIR,
    embeddedRedisPort: v.EMBEDDED_REDIS_PORT,
    admin,
    tokenSecret: v.RELAY_TOKEN_SECRET,
    tokenTtlMs: v.TOKEN_TTL,
    eventsRetentionMs: v.EVENTS_RETENTION,
    eventsMaxLength: v.EVENTS_MAX_LENGTH,
    idempotencyTtlMs: v.IDEMPOTENCY_TTL,
    ingest: { enabled: v.INGEST_ENABLED, channel: v.INGEST_CHANNEL, dedupTtlMs: v.INGEST_DEDUP_TTL },
    sse: { heartbeatMs: v.SSE_HEARTBEAT_MS, maxBufferedBytes: v.SSE_MAX_BUFFERED_BYTES },
    webhook: {
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      maxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: v.WEBHOOK_BACKOFF_MS,
      maxFailures: v.WEBHOOK_MAX_FAILURES,
      allowPrivate: v.WEBHOOK_ALLOW_PRIVATE,
      concurrency: v.WEBHOOK_CONCURRENCY,
      stalledMs: v.WEBHOOK_STALLED_MS,
      claimIdleMs: v.DISPATCH_CLAIM_IDLE_MS,
    },
    logLevel: v.LOG_LEVEL,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
