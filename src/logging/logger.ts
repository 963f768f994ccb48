import winston from 'winston';

export type Logger = winston.Logger;

/** Field names whose values never reach a log line, whatever their nesting. */
const SECRET_FIELDS = /secret|password|token|authorization|cookie/i;

function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Deeper than this is not inspected, so it is not written either: a secret could be down there.
  if (depth > 6) return '[truncated]';
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_FIELDS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_FIELDS.test(key)) info[key] = '[redacted]';
    else info[key] = redact(info[key], 0);
  }
  return info;
});

export interface LoggerOptions {
  readonly level: string;
  readonly stream?: NodeJS.WritableStream;
}

/** Winston, JSON lines on stdout (or the given stream), secrets redacted by field name. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), redactSecrets(), winston.format.json()),
    transports: [transport],
  });
}
