import Joi from 'joi';
import { type ErrorDetail, RelayError } from '../errors/catalogue.js';
import { type Domain, isEventType, parseDomain } from '../events/catalogue.js';
import { isValidWebhookSecret } from './signing.js';

/** Header names a hook may not set: the relay owns framing, content type and the signature. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,4096}$/;
export const HOOK_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

const url = Joi.string()
  .max(2048)
  .uri({ scheme: ['http', 'https'] });

// Header names are checked by headerNameProblems: a key schema given to Joi's object.pattern() only selects
// keys, and a key it refuses gets a generic "is not allowed" that does not say what is wrong with it.
const headers = Joi.object()
  .pattern(
    Joi.string(),
    Joi.string()
      .pattern(HEADER_VALUE)
      .messages({ 'string.pattern.base': 'header values may not hold line breaks' }),
  )
  .max(50);

function headerNameProblems(headers: unknown): ErrorDetail[] {
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return [];
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name)) {
      details.push({
        path: `headers.${name}`,
        message: `header name "${name}" is not a valid HTTP header name`,
      });
    } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      details.push({
        path: `headers.${name}`,
        message: `header "${name}" is set by the relay and may not be configured`,
      });
    }
  }
  return details;
}

/** The writable fields of an Izanami webhook (`/api/webhooks`). */
export const izanamiHookSchema = Joi.object({
  clientId: Joi.string()
    .pattern(HOOK_ID)
    .messages({ 'string.pattern.base': '{{#label}} must be 1-128 letters, digits or _.:@-' }),
  callbackUrl: url.required(),
  domains: Joi.array().items(Joi.string()).max(20).default([]),
  patterns: Joi.array().items(Joi.string().trim().min(1).max(1024)).max(100).default([]),
  types: Joi.array().items(Joi.string()).max(100).default([]),
  headers: headers.default({}),
  secret: Joi.string()
    .custom((value: string, helpers) => (isValidWebhookSecret(value) ? value : helpers.error('any.invalid')))
    .allow(null)
    .messages({
      'any.invalid': '{{#label}} must be a Standard Webhooks secret: whsec_ and base64 of 24-64 bytes',
    }),
  isBanned: Joi.boolean().strict().default(false),
  // read-only fields a client may send back as it got them; ignored
  created: Joi.any().strip(),
  hasSecret: Joi.any().strip(),
  consecutiveFailures: Joi.any().strip(),
  lastError: Joi.any().strip(),
  lastAttemptAt: Joi.any().strip(),
  lastSuccessAt: Joi.any().strip(),
  disabledReason: Joi.any().strip(),
});

export interface IzanamiHookBody {
  clientId?: string;
  callbackUrl: string;
  domains: Domain[];
  patterns: string[];
  types: string[];
  headers: Record<string, string>;
  secret?: string | null;
  isBanned: boolean;
}

/** A Tweek hook (`/api/v2/hooks`). */
export const tweekHookSchema = Joi.object({
  id: Joi.string().pattern(HOOK_ID),
  keyPath: Joi.string().trim().min(1).max(1024).required(),
  type: Joi.string().valid('notification_webhook').required(),
  url: url.required(),
});

export interface TweekHookBody {
  id?: string;
  keyPath: string;
  type: 'notification_webhook';
  url: string;
}

function fail(details: ErrorDetail[]): never {
  throw new RelayError(
    'RELAY_ERR_VALIDATION',
    `The webhook is invalid: ${details.length} problem(s)`,
    details,
  );
}

/**
 * Validates an Izanami webhook body: its shape, then that every domain and type is known (an unknown one is a
 * 400, as for listeners). Domains come back in their canonical spelling. Every problem is listed.
 */
export function validateIzanamiHook(body: unknown): IzanamiHookBody {
  const { value, error } = izanamiHookSchema.validate(body, { abortEarly: false });
  const details: ErrorDetail[] = (error?.details ?? []).map((d) => ({
    path: d.path.join('.'),
    message: d.message,
  }));
  details.push(...headerNameProblems(value?.headers));
  const domains: Domain[] = [];
  (Array.isArray(value?.domains) ? (value.domains as unknown[]) : []).forEach((name, i) => {
    const domain = typeof name === 'string' ? parseDomain(name) : undefined;
    if (domain) domains.push(domain);
    else if (typeof name === 'string')
      details.push({ path: `domains.${i}`, message: `unknown domain "${name}"` });
  });
  (Array.isArray(value?.types) ? (value.types as unknown[]) : []).forEach((type, i) => {
    if (typeof type === 'string' && !isEventType(type)) {
      details.push({ path: `types.${i}`, message: `unknown event type "${type}"` });
    }
  });
  if (details.length > 0) fail(details);
  return { ...(value as IzanamiHookBody), domains: [...new Set(domains)] };
}

export function validateTweekHook(body: unknown): TweekHookBody {
  const { value, error } = tweekHookSchema.validate(body, { abortEarly: false });
  if (error) fail(error.details.map((d) => ({ path: d.path.join('.'), message: d.message })));
  return value as TweekHookBody;
}

/** An If-Match header as the ETag it names (quotes and weakness dropped); undefined for none, empty or `*`. */
export function parseIfMatch(header: string | undefined): string | undefined {
  const text = header?.trim();
  if (!text || text === '*') return undefined;
  return text.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
