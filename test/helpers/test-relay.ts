import { randomBytes } from 'node:crypto';
import { loadConfig, type RelayConfig } from '../../src/config/config.js';
import { type RelayService, startRelay } from '../../src/runtime/relay-service.js';
import { captureLogs } from './log-capture.js';
import { recordCredentials, recordSecret } from './run-record.js';

export interface Credentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface TestRelay {
  readonly baseUrl: string;
  readonly service: RelayService;
  readonly config: RelayConfig;
  readonly admin: Credentials;
  /** Every log line the relay wrote (JSON). */
  readonly logs: string[];
  /** fetch against the relay with the admin key (or `as`). */
  request(path: string, init?: RequestInit & { as?: Credentials | null; json?: unknown }): Promise<Response>;
  /** Creates a key through the API and returns its credentials. */
  createKey(body: { name?: string; authorizedPattern?: string; admin?: boolean }): Promise<Credentials>;
  stop(): Promise<void>;
}

export function keyHeaders(creds: Credentials): Record<string, string> {
  return { 'Izanami-Client-Id': creds.clientId, 'Izanami-Client-Secret': creds.clientSecret };
}

/**
 * The relay role started in this process on port 0 against a real Redis, with a random key prefix so tests
 * sharing a Redis never see each other's data. `env` overrides configuration variables.
 */
export async function startTestRelay(redisUrl: string, env: Record<string, string> = {}): Promise<TestRelay> {
  const admin = { clientId: 'test-admin', clientSecret: randomBytes(18).toString('base64url') };
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `t${randomBytes(6).toString('hex')}`,
    RELAY_ADMIN_CLIENT_ID: admin.clientId,
    RELAY_ADMIN_CLIENT_SECRET: admin.clientSecret,
    LOG_LEVEL: 'debug',
    ...env,
  });
  recordCredentials(admin);
  if (config.admin) recordCredentials(config.admin);
  recordSecret(config.tokenSecret);
  const { logger, lines } = captureLogs(config.logLevel, 'test-relay');
  const service = await startRelay({ config, redisUrl, logger, print: () => undefined });
  const baseUrl = `http://127.0.0.1:${service.port}`;
  const request: TestRelay['request'] = async (path, init = {}) => {
    const { as, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    const creds = as === undefined ? admin : as;
    if (creds) for (const [k, v] of Object.entries(keyHeaders(creds))) headers.set(k, v);
    if (json !== undefined) headers.set('Content-Type', 'application/json');
    recordSentSecrets(headers, json);
    const res = await fetch(`${baseUrl}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    await recordReceivedSecrets(path, res);
    return res;
  };
  return {
    baseUrl,
    service,
    config,
    admin,
    logs: lines,
    request,
    createKey: async (body) => {
      const res = await request('/api/apikeys', { method: 'POST', json: { name: 'test key', ...body } });
      if (res.status !== 201) throw new Error(`createKey: ${res.status} ${await res.text()}`);
      const key = (await res.json()) as Credentials;
      return { clientId: key.clientId, clientSecret: key.clientSecret };
    },
    stop: () => service.stop(),
  };
}

/** The secrets a request carries (key headers, HTTP Basic, `secret`/`clientSecret` fields), for run-record.ts. */
function recordSentSecrets(headers: Headers, json: unknown): void {
  const clientId = headers.get('izanami-client-id') ?? '';
  const clientSecret = headers.get('izanami-client-secret');
  if (clientSecret !== null) recordCredentials({ clientId, clientSecret });
  const basic = /^Basic\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1];
  if (basic !== undefined) {
    recordSecret(basic);
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    if (decoded.includes(':')) recordSecret(decoded.slice(decoded.indexOf(':') + 1));
  }
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (/^(secret|clientSecret)$/.test(k)) recordSecret(v);
      else visit(v, depth + 1);
    }
  };
  visit(json, 0);
}

/** The secrets an answer shows: a new key's clientSecret (POST /api/apikeys), a token (POST /api/tokens). */
async function recordReceivedSecrets(path: string, res: Response): Promise<void> {
  if (!/^\/api\/(apikeys|tokens)(\/|\?|$)/.test(path) || !res.ok) return;
  if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return;
  const body = JSON.parse(await res.clone().text()) as {
    clientId?: unknown;
    clientSecret?: unknown;
    token?: unknown;
  };
  if (typeof body.clientSecret === 'string') {
    recordCredentials({ clientId: String(body.clientId ?? ''), clientSecret: body.clientSecret });
  }
  recordSecret(body.token);
}
