import { createHash } from 'node:crypto';
import Joi from 'joi';
import { domainOfType } from '../events/catalogue.js';
import type { AuthInfo, NewEvent } from '../events/event.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../events/json-depth.js';

/**
 * A message of Izanami's own Redis event store (`PUBLISH izanami:events <event JSON>`):
 * `{_id, type, key, domain, payload, oldValue?, authInfo, timestamp}`. The relay appends it as a new event
 * with its own id and timestamp; Izanami's `_id` (or the message's digest) names it for de-duplication, so
 * several relay processes subscribed to the channel append it once.
 */
export interface IngestMessage {
  readonly event: NewEvent;
  readonly dedupId: string;
}

const schema = Joi.object({
  // Izanami's ids are 64-bit longs (942711288101863450): past 2^53, so not exact once parsed.
  _id: Joi.alternatives(Joi.number().unsafe(), Joi.string()),
  type: Joi.string().required(),
  key: Joi.string().min(1).max(1024).required(),
  domain: Joi.string(),
  payload: Joi.any().allow(null).default(null),
  oldValue: Joi.any().allow(null),
  authInfo: Joi.any().allow(null),
  timestamp: Joi.any(),
}).unknown(true);

function authInfoOf(raw: unknown): AuthInfo | null {
  if (!raw || typeof raw !== 'object') return null;
  const a = raw as Record<string, unknown>;
  const clientId = a.clientId ?? a.id;
  if (typeof clientId !== 'string') return null;
  return { clientId, name: typeof a.name === 'string' ? a.name : '' };
}

/** Parses one message; throws an Error saying why it is not an event. */
export function parseIngestMessage(text: string): IngestMessage {
  const json = JSON.parse(text) as unknown;
  if (jsonDepth(json) > MAX_JSON_DEPTH) throw new Error(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  const { value, error } = schema.validate(json, { abortEarly: false, convert: false });
  if (error) throw new Error(error.details.map((d) => d.message).join('; '));
  const domain = domainOfType(value.type);
  if (!domain) throw new Error(`unknown event type "${value.type}"`);
  if (value.domain !== undefined && value.domain !== domain) {
    throw new Error(`domain "${value.domain}" contradicts type ${value.type}`);
  }
  // An id that JSON.parse rounded (a long past 2^53) could name two messages: the message's digest then.
  const exactId = typeof value._id === 'string' || Number.isSafeInteger(value._id);
  const dedupId =
    value._id !== undefined && exactId
      ? `id:${String(value._id)}`
      : `sha256:${createHash('sha256').update(text).digest('base64url')}`;
  return {
    dedupId,
    event: {
      type: value.type,
      key: value.key,
      domain,
      payload: value.payload,
      ...(value.oldValue !== undefined ? { oldValue: value.oldValue } : {}),
      authInfo: authInfoOf(value.authInfo),
    },
  };
}
