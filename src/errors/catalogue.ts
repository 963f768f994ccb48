/**
 * Every error a client can see: a stable code, its HTTP status, and whether the message is safe to show.
 * Codes never change once published; messages may.
 */
export const ERRORS = {
  RELAY_ERR_VALIDATION: { status: 400, expose: true, message: 'The request is invalid' },
  RELAY_ERR_INVALID_JSON: { status: 400, expose: true, message: 'The body is not valid JSON' },
  RELAY_ERR_BAD_LAST_EVENT_ID: { status: 400, expose: true, message: 'The last event id is not an event id' },
  RELAY_ERR_UNKNOWN_DOMAIN: { status: 400, expose: true, message: 'Unknown domain' },
  RELAY_ERR_UNKNOWN_TYPE: { status: 400, expose: true, message: 'Unknown event type' },
  RELAY_ERR_UNAUTHENTICATED: { status: 401, expose: true, message: 'Missing or invalid credentials' },
  RELAY_ERR_SECRET_IN_URL: {
    status: 401,
    expose: true,
    message: 'A client secret is never accepted in a URL; use headers or a token from POST /api/tokens',
  },
  RELAY_ERR_FORBIDDEN: { status: 403, expose: true, message: 'This key is not allowed to do that' },
  RELAY_ERR_NOT_FOUND: { status: 404, expose: true, message: 'Not found' },
  RELAY_ERR_METHOD_NOT_ALLOWED: { status: 405, expose: true, message: 'Method not allowed' },
  RELAY_ERR_CONFLICT: { status: 409, expose: true, message: 'It already exists' },
  RELAY_ERR_PRECONDITION_FAILED: { status: 412, expose: true, message: 'The precondition (If-Match) failed' },
  RELAY_ERR_PAYLOAD_TOO_LARGE: { status: 413, expose: true, message: 'The body is larger than allowed' },
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    expose: true,
    message: 'The body must be application/json',
  },
  RELAY_ERR_IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    expose: true,
    message: 'This Idempotency-Key was used with a different request',
  },
  RELAY_ERR_REDIS_UNAVAILABLE: {
    status: 503,
    expose: true,
    message: 'The event store is unavailable; retry',
  },
  RELAY_ERR_SHUTTING_DOWN: { status: 503, expose: true, message: 'The relay is shutting down; retry' },
  RELAY_ERR_INTERNAL: { status: 500, expose: false, message: 'Internal error' },
} as const satisfies Record<string, { status: number; expose: boolean; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export class RelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details: readonly ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message?: string, details?: readonly ErrorDetail[], options?: ErrorOptions) {
    const entry = ERRORS[code];
    super(message ?? entry.message, options);
    this.name = 'RelayError';
    this.code = code;
    this.status = entry.status;
    this.expose = entry.expose;
    this.details = details;
  }
}

export function isRelayError(err: unknown): err is RelayError {
  return err instanceof RelayError;
}
