import { type ConnectionOptions, connectionOptions, parseFlags, UsageError } from './connection-options.js';

/** Where the body comes from: built from flags, or a JSON file (`-` for stdin) read by the entry. */
export type PublishSource =
  | { readonly kind: 'body'; readonly body: unknown }
  | { readonly kind: 'file'; readonly path: string };

export interface PublishOptions {
  readonly connection: ConnectionOptions;
  readonly source: PublishSource;
  readonly idempotencyKey: string | undefined;
  readonly json: boolean;
}

export const PUBLISH_USAGE = `usage: npm run publish -- [--url URL] [--client-id ID] [--client-secret SECRET]
         --type CONFIG_UPDATED --key demo:title --payload '{"id":"demo:title"}' [--old-value JSON] [--domain D]
       | --file commit.json   (a commit or one event; - reads stdin)
         [--idempotency-key K] [--json]
Credentials also from RELAY_URL, RELAY_CLIENT_ID, RELAY_CLIENT_SECRET.`;

function jsonFlag(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--${name}: not JSON (${(err as Error).message})`);
  }
}

/** Parses the publish command line (pure): throws UsageError on bad arguments; null means --help. */
export function parsePublishArgs(
  args: string[],
  env: Record<string, string | undefined>,
): PublishOptions | null {
  const values = parseFlags(args, {
    type: { type: 'string' },
    key: { type: 'string' },
    payload: { type: 'string' },
    'old-value': { type: 'string' },
    domain: { type: 'string' },
    file: { type: 'string' },
    'idempotency-key': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return null;
  const str = (name: string) => values[name] as string | undefined;
  const eventFlags = ['type', 'key', 'payload', 'old-value', 'domain'].filter((f) => str(f) !== undefined);
  let source: PublishSource;
  const file = str('file');
  if (file !== undefined) {
    if (eventFlags.length > 0)
      throw new UsageError(`--file excludes ${eventFlags.map((f) => `--${f}`).join(', ')}`);
    if (file === '') throw new UsageError('--file: a path, or - for stdin');
    source = { kind: 'file', path: file };
  } else {
    const type = str('type');
    const key = str('key');
    const payload = str('payload');
    const missing = [
      type === undefined && '--type',
      key === undefined && '--key',
      payload === undefined && '--payload',
    ];
    const names = missing.filter((m): m is string => typeof m === 'string');
    if (names.length > 0) throw new UsageError(`${names.join(', ')} required (or --file)`);
    const oldValue = str('old-value');
    const domain = str('domain');
    source = {
      kind: 'body',
      body: {
        type,
        key,
        payload: jsonFlag('payload', payload as string),
        ...(oldValue !== undefined ? { oldValue: jsonFlag('old-value', oldValue) } : {}),
        ...(domain !== undefined ? { domain } : {}),
      },
    };
  }
  const idempotencyKey = str('idempotency-key');
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    throw new UsageError('--idempotency-key: 1-255 visible ASCII characters');
  }
  return { connection: connectionOptions(values, env), source, idempotencyKey, json: values.json === true };
}

/** Parses a commit file's text (pure). */
export function parseBodyText(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path === '-' ? 'stdin' : path}: not JSON (${(err as Error).message})`);
  }
}
