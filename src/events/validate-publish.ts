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

interface RawEvent {
  type: string;
  key: string;
  domain?: string;
  payload: unknown;
  oldValue?: unknown;
}

/**
 * Validates a publish body, one event or a commit `{author?, events}`, and lists every problem at once.
 * The domain follows from the type; a given domain must agree with it.
 */
export function validatePublish(body: unknown, authInfo: AuthInfo | null): NewEvent[] {
  const isCommit = typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
  const schema = isCommit ? commitSchema : eventSchema;
  const { value, error } = schema.required().validate(body, { abortEarly: false, convert: false });
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
