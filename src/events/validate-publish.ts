import Joi from 'joi';
import { type ErrorDetail, RelayError } from '../errors/catalogue.js';
import { domainOfType } from './catalogue.js';
import type { AuthInfo, Author, NewEvent } from './event.js';

export const MAX_COMMIT_EVENTS = 1000;

const eventSchema = Joi.object({
  type: Joi.string().required(),
  key: Joi.string().min(1).max(1024).required(),
  domain: Joi.string(),
  payload: Joi.any().required().allow(null),
  oldValue: Joi.any().allow(null),
});

const authorSchema = Joi.object({
  name: Joi.string().max(256).allow('').required(),
  email: Joi.string().max(256).allow('').required(),
});

const commitSchema = Joi.object({
  author: authorSchema,
  events: Joi.array().items(eventSchema).min(1).max(MAX_COMMIT_EVENTS).required(),
});

const EVENT_FIELDS = new Set(['type', 'key', 'domain', 'payload', 'oldValue']);
const COMMIT_FIELDS = new Set(['author', 'events']);
const AUTHOR_FIELDS = new Set(['name', 'email']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyFields(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const name in value) if (!allowed.has(name)) return false;
  return true;
}

/** What the schemas check of a string: `Joi.string()` refuses '' unless allowed; lengths in UTF-16 units. */
function isString(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/**
 * True when `eventSchema` surely accepts the event: the common case checked by hand, without Joi (its cost
 * per event was most of a commit's validation). Anything else, every invalid body included, goes through Joi,
 * which lists the problems.
 */
function surelyValidEvent(e: unknown): boolean {
  return (
    isPlainObject(e) &&
    onlyFields(e, EVENT_FIELDS) &&
    isString(e.type, 1, Number.POSITIVE_INFINITY) &&
    isString(e.key, 1, 1024) &&
    (e.domain === undefined || isString(e.domain, 1, Number.POSITIVE_INFINITY)) &&
    e.payload !== undefined
  );
}

function surelyValidCommit(body: Record<string, unknown>): boolean {
  const { author, events } = body;
  if (!onlyFields(body, COMMIT_FIELDS)) return false;
  if (
    author !== undefined &&
    !(
      isPlainObject(author) &&
      onlyFields(author, AUTHOR_FIELDS) &&
      isString(author.name, 0, 256) &&
      isString(author.email, 0, 256)
    )
  )
    return false;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_COMMIT_EVENTS) return false;
  for (let i = 0; i < events.length; i++) if (!surelyValidEvent(events[i])) return false;
  return true;
}

interface RawEvent {
  type: string;
  key: string;
  domain?: string;
  payload: unknown;
  oldValue?: unknown;
}

const isCommitBody = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;

/** The hand check alone: true only for bodies the schema surely accepts (a property test holds it to that). */
export function surelyValidBody(body: unknown): boolean {
  return isCommitBody(body) ? surelyValidCommit(body as Record<string, unknown>) : surelyValidEvent(body);
}

/** The schema alone: Joi's verdict on a publish body. */
export function schemaCheck(body: unknown): Joi.ValidationResult {
  const schema = isCommitBody(body) ? commitSchema : eventSchema;
  return schema.required().validate(body, { abortEarly: false, convert: false });
}

/**
 * Validates a publish body, one event or a commit `{author?, events}`, and lists every problem at once.
 * The domain follows from the type; a given domain must agree with it.
 */
export function validatePublish(body: unknown, authInfo: AuthInfo | null): NewEvent[] {
  const isCommit = isCommitBody(body);
  const { value, error } = surelyValidBody(body) ? { value: body, error: undefined } : schemaCheck(body);
  const details: ErrorDetail[] = (error?.details ?? []).map((d) => ({
    path: d.path.join('.'),
    message: d.message,
  }));
  const listed: unknown = isCommit ? (value as { events?: unknown }).events : [value];
  const raw = (Array.isArray(listed) ? listed : []) as RawEvent[];
  const author = isCommit ? (value as { author?: Author }).author : undefined;
  const events: NewEvent[] = [];
  raw.forEach((e, i) => {
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string') return;
    const at = isCommit ? `events.${i}.` : '';
    const domain = domainOfType(e.type);
    if (!domain) {
      details.push({ path: `${at}type`, message: `unknown event type "${e.type}"` });
      return;
    }
    if (typeof e.domain === 'string' && e.domain !== domain) {
      details.push({
        path: `${at}domain`,
        message: `domain "${e.domain}" contradicts type ${e.type} (${domain})`,
      });
      return;
    }
    events.push({
      type: e.type,
      key: e.key,
      domain,
      payload: e.payload,
      ...(e.oldValue !== undefined ? { oldValue: e.oldValue } : {}),
      authInfo,
      ...(author ? { author: { name: author.name, email: author.email } } : {}),
    });
  });
  if (details.length > 0) {
    throw new RelayError(
      'RELAY_ERR_VALIDATION',
      `The events are invalid: ${details.length} problem(s)`,
      details,
    );
  }
  return events;
}
