import {
  type ConnectionOptions,
  connectionOptions,
  intFlag,
  parseFlags,
  UsageError,
} from './connection-options.js';

export interface TailOptions {
  readonly connection: ConnectionOptions;
  readonly domains: string | undefined;
  readonly patterns: string | undefined;
  readonly types: string | undefined;
  readonly lastEventId: string | undefined;
  readonly json: boolean;
  readonly maxEvents: number | undefined;
  readonly exitAfterMs: number | undefined;
}

export const TAIL_USAGE = `usage: npm run tail -- [--url URL] [--client-id ID] [--client-secret SECRET]
         [--domains Config,Feature] [--patterns 'demo:*'] [--types CONFIG_UPDATED,..]
         [--last-event-id N] [--json] [--max-events N] [--exit-after-ms MS]
Credentials also from RELAY_URL, RELAY_CLIENT_ID, RELAY_CLIENT_SECRET.`;

/** Parses the tail command line (pure): throws UsageError on bad arguments; null means --help. */
export function parseTailArgs(args: string[], env: Record<string, string | undefined>): TailOptions | null {
  const values = parseFlags(args, {
    domains: { type: 'string' },
    patterns: { type: 'string' },
    pattern: { type: 'string' },
    types: { type: 'string' },
    'last-event-id': { type: 'string' },
    json: { type: 'boolean' },
    'max-events': { type: 'string' },
    'exit-after-ms': { type: 'string' },
  });
  if (values.help) return null;
  const str = (name: string) => values[name] as string | undefined;
  const lastEventId = str('last-event-id');
  if (lastEventId !== undefined && !/^[0-9]+$/.test(lastEventId)) {
    throw new UsageError('--last-event-id: an event _id (decimal digits)');
  }
  return {
    connection: connectionOptions(values, env),
    domains: str('domains'),
    patterns: str('patterns') ?? str('pattern'),
    types: str('types'),
    lastEventId,
    json: values.json === true,
    maxEvents: intFlag('max-events', str('max-events'), 1),
    exitAfterMs: intFlag('exit-after-ms', str('exit-after-ms'), 1),
  };
}

/** The stream URL for these options. */
export function streamUrl(o: TailOptions): string {
  const q = new URLSearchParams();
  if (o.domains !== undefined) q.set('domains', o.domains);
  if (o.patterns !== undefined) q.set('patterns', o.patterns);
  if (o.types !== undefined) q.set('types', o.types);
  const qs = q.toString();
  return `${o.connection.url}/api/events${qs ? `?${qs}` : ''}`;
}
