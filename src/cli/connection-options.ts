import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where the relay is and which key to use: flags first, then RELAY_URL / RELAY_CLIENT_ID / RELAY_CLIENT_SECRET. */
export interface ConnectionOptions {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export const DEFAULT_RELAY_URL = 'http://localhost:9000';

/** Usage errors: the entry prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const connectionFlags = {
  url: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * Parses a command line with the connection flags plus `flags` (strict, no positionals); a parse error is a
 * UsageError.
 */
export function parseFlags(args: string[], flags: NonNullable<ParseArgsConfig['options']>): FlagValues {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...connectionFlags, ...flags },
    }).values as FlagValues;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function connectionOptions(
  values: { url?: string; 'client-id'?: string; 'client-secret'?: string },
  env: Record<string, string | undefined>,
): ConnectionOptions {
  const url = values.url ?? env.RELAY_URL ?? DEFAULT_RELAY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UsageError(`--url: not a URL (${(err as Error).message})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError('--url: http or https only');
  const clientId = values['client-id'] ?? env.RELAY_CLIENT_ID;
  const clientSecret = values['client-secret'] ?? env.RELAY_CLIENT_SECRET;
  if (!clientId) throw new UsageError('--client-id (or RELAY_CLIENT_ID) is required');
  if (!clientSecret) throw new UsageError('--client-secret (or RELAY_CLIENT_SECRET) is required');
  return { url: url.replace(/\/+$/, ''), clientId, clientSecret };
}

export function authHeaders(c: ConnectionOptions): Record<string, string> {
  return { 'Izanami-Client-Id': c.clientId, 'Izanami-Client-Secret': c.clientSecret };
}

/** A non-negative integer flag, or undefined when absent. */
export function intFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new UsageError(`--${name}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
