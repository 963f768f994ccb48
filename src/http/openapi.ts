import { ERRORS, type ErrorCode } from '../errors/catalogue.js';
import { DOMAINS, EVENT_TYPES } from '../events/catalogue.js';
import { DASHBOARD_PATH } from './dashboard.js';
import { CONSOLE_ASSETS_PATH, CONSOLE_PATH } from './live-console.js';

/**
 * The relay's OpenAPI 3.1 document, served at `GET /openapi.json`. A plain object: test/integration/openapi.test.ts
 * checks that its paths and methods are exactly the routes the app serves and that its error codes are the
 * catalogue's, so a route added without documentation fails the tests.
 */

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses) or a `$ref`. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
}

export type Ref = { readonly $ref: string };

export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchema }>>;
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchema }>>;
  /** The RELAY_ERR_* codes an error response may carry (all of this status). */
  readonly 'x-error-codes'?: readonly ErrorCode[];
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly (OpenApiParameter | Ref)[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly description?: string;
    readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>>;
  };
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type OpenApiPathItem = Partial<Record<HttpMethod, OpenApiOperation>>;

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, OpenApiPathItem>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly parameters: Readonly<Record<string, OpenApiParameter>>;
    readonly securitySchemes: Readonly<Record<string, JsonSchema>>;
  };
}

/** Every error code, from the catalogue itself: the document cannot list a code that does not exist. */
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

const schema = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string): Ref => ({ $ref: `#/components/parameters/${name}` });
const json = (s: JsonSchema) => ({ 'application/json': { schema: s } });

// Who may call: the key's headers or HTTP Basic; the SSE routes also take a browser token.
const PUBLIC: OpenApiOperation['security'] = [];
const KEY: OpenApiOperation['security'] = [{ clientId: [], clientSecret: [] }, { basic: [] }];
const KEY_OR_TOKEN: OpenApiOperation['security'] = [...KEY, { token: [] }];

// The errors that routes share.
const ALWAYS: ErrorCode[] = ['RELAY_ERR_SHUTTING_DOWN', 'RELAY_ERR_INTERNAL'];
const AUTHENTICATED: ErrorCode[] = [
  ...ALWAYS,
  'RELAY_ERR_UNAUTHENTICATED',
  'RELAY_ERR_SECRET_IN_URL',
  'RELAY_ERR_REDIS_UNAVAILABLE',
];
const ADMIN: ErrorCode[] = [...AUTHENTICATED, 'RELAY_ERR_FORBIDDEN'];
const WITH_BODY: ErrorCode[] = [
  'RELAY_ERR_INVALID_JSON',
  'RELAY_ERR_VALIDATION',
  'RELAY_ERR_PAYLOAD_TOO_LARGE',
  'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
];

/** The error responses of an operation: one per status, naming the codes it may carry. */
function errors(...codes: ErrorCode[]): Record<string, OpenApiResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, listed] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: listed.map((code) => `${code}: ${ERRORS[code].message}`).join('; '),
      ...(status === 503
        ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } }
        : {}),
      content: json(schema('Error')),
      'x-error-codes': listed,
    };
  }
  return responses;
}

const ok = (
  description: string,
  body?: JsonSchema,
  headers?: OpenApiResponse['headers'],
): OpenApiResponse => ({
  description,
  ...(headers ? { headers } : {}),
  ...(body ? { content: json(body) } : {}),
});

const jsonBody = (s: JsonSchema, description?: string): OpenApiOperation['requestBody'] => ({
  required: true,
  ...(description ? { description } : {}),
  content: { 'application/json': { schema: s }, 'application/*+json': { schema: s } },
});

const etagHeader = {
  ETag: { description: 'Version of the whole list of Tweek hooks', schema: { type: 'string' } },
};

const page = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['results', 'metadata'],
  properties: { results: { type: 'array', items: item }, metadata: schema('PageMetadata') },
});

const listening = (
  operationId: string,
  summary: string,
  extra: (OpenApiParameter | Ref)[],
): OpenApiOperation => ({
  operationId,
  summary,
  description:
    'Server-sent events: each event is `id: <_id>\\ndata: <event JSON>\\n\\n`, with a `: keep-alive` comment ' +
    'every SSE_HEARTBEAT_MS. With a last event id, every retained matching event after it is replayed first; ' +
    'if events after it were trimmed, the stream starts with `event: reset` and ' +
    '`data: {"requested": <id>, "earliest": <oldest retained _id or null>}`.',
  tags: ['Events'],
  security: KEY_OR_TOKEN,
  parameters: [
    ...extra,
    param('patterns'),
    param('patternAlias'),
    param('types'),
    param('lastEventId'),
    param('LastEventIdHeader'),
    param('token'),
  ],
  responses: {
    '200': {
      description: 'The event stream (it stays open)',
      headers: { 'X-Accel-Buffering': { description: 'Always `no`', schema: { type: 'string' } } },
      content: {
        'text/event-stream': {
          schema: { type: 'string', description: 'SSE frames; each `data:` line is one Event (JSON)' },
        },
      },
    },
    ...errors(
      ...AUTHENTICATED,
      'RELAY_ERR_VALIDATION',
      'RELAY_ERR_UNKNOWN_DOMAIN',
      'RELAY_ERR_UNKNOWN_TYPE',
      'RELAY_ERR_BAD_LAST_EVENT_ID',
    ),
  },
});

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Event relay',
    version: '0.1.0',
    description:
      'Ordered, replayable stream of feature-flag and configuration changes over server-sent events, ' +
      "compatible with Izanami's event API (v1) and webhooks and with Tweek's hooks API. Every error is " +
      '`{"error": {"code", "message", "details"?}}`; a method a path does not serve is 405 ' +
      'RELAY_ERR_METHOD_NOT_ALLOWED and an unknown path 404 RELAY_ERR_NOT_FOUND.',
  },
  tags: [
    {
      name: 'Operations',
      description: 'Health, readiness, metrics, this document, the dashboard, the console',
    },
    { name: 'Events', description: 'Publishing and listening (SSE)' },
    { name: 'Authentication', description: 'Browser tokens' },
    { name: 'API keys', description: 'Key management (admin keys)' },
    { name: 'Webhooks', description: "Izanami's webhooks API and delivery inspection (admin keys)" },
    { name: 'Tweek hooks', description: "Tweek's hooks API (admin keys)" },
  ],
  paths: {
    '/health': {
      get: {
        operationId: 'getHealth',
        summary: 'The process runs',
        tags: ['Operations'],
        security: PUBLIC,
        responses: { '200': ok('Alive', schema('Health')), ...errors('RELAY_ERR_INTERNAL') },
      },
    },
    '/ready': {
      get: {
        operationId: 'getReady',
        summary: 'Redis answers',
        tags: ['Operations'],
        security: PUBLIC,
        responses: {
          '200': ok('Ready', schema('Ready')),
          ...errors(...ALWAYS, 'RELAY_ERR_REDIS_UNAVAILABLE'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags: ['Operations'],
        security: PUBLIC,
        responses: {
          '200': {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...errors(...ALWAYS),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        tags: ['Operations'],
        security: PUBLIC,
        responses: { '200': ok('The OpenAPI 3.1 document', { type: 'object' }), ...errors(...ALWAYS) },
      },
    },
    [CONSOLE_PATH]: {
      get: {
        operationId: 'getConsole',
        summary: 'The live console',
        description:
          `A static HTML page (its script and style sheet under ${CONSOLE_ASSETS_PATH}/) holding no secret: it ` +
          'signs in with a key (kept in the tab, sent in headers) or a `?token=`, follows /api/events with an ' +
          'EventSource and lists hooks through the admin APIs. Served with a strict Content-Security-Policy.',
        tags: ['Operations'],
        security: PUBLIC,
        responses: {
          '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errors(...ALWAYS),
        },
      },
    },
    [DASHBOARD_PATH]: {
      get: {
        operationId: 'getDashboard',
        summary: 'The BullMQ dashboard (bull-board) of the deliveries queue',
        description: `An HTML application; its pages and assets live under ${DASHBOARD_PATH}/. A 401 asks a browser for HTTP Basic.`,
        tags: ['Operations'],
        security: KEY,
        responses: {
          '200': { description: 'The dashboard', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errors(...ADMIN),
        },
      },
    },
    '/api/tokens': {
      post: {
        operationId: 'createToken',
        summary: 'A short-lived token for a browser EventSource',
        description:
          'Accepted as `?token=` on the SSE routes only, for TOKEN_TTL. Needs the key itself, not a token.',
        tags: ['Authentication'],
        security: KEY,
        responses: {
          '201': ok('The token', schema('Token'), {
            'Cache-Control': { description: '`no-store`', schema: { type: 'string' } },
          }),
          ...errors(...AUTHENTICATED),
        },
      },
    },
    '/api/events': {
      post: {
        operationId: 'publish',
        summary: 'Publish one event or a commit (atomic, consecutive ids)',
        tags: ['Events'],
        security: KEY,
        parameters: [param('IdempotencyKey')],
        requestBody: jsonBody(
          schema('PublishRequest'),
          'One event, or a commit of 1..1000 events; at most 1 MiB',
        ),
        responses: {
          '201': ok('The stored events', schema('PublishResponse'), {
            'Idempotent-Replayed': {
              description: '`true` when this is the first response to the same Idempotency-Key',
              schema: { type: 'string', enum: ['true'] },
            },
          }),
          ...errors(
            ...AUTHENTICATED,
            ...WITH_BODY,
            'RELAY_ERR_FORBIDDEN',
            'RELAY_ERR_IDEMPOTENCY_KEY_REUSED',
          ),
        },
      },
      get: listening('listen', 'Listen to events (SSE), every domain or those of `domains`', [
        param('domains'),
      ]),
    },
    '/api/events/{domain}': {
      get: listening('listenDomain', 'Listen to the events of one domain (SSE)', [param('domain')]),
    },
    '/api/apikeys': {
      get: {
        operationId: 'listApiKeys',
        summary: 'List API keys',
        tags: ['API keys'],
        security: KEY,
        parameters: [param('listPattern'), param('page'), param('pageSize')],
        responses: {
          '200': ok('A page of keys (never a secret)', page(schema('ApiKey'))),
          ...errors(...ADMIN, 'RELAY_ERR_VALIDATION'),
        },
      },
      post: {
        operationId: 'createApiKey',
        summary: 'Create an API key (appends APIKEY_CREATED)',
        tags: ['API keys'],
        security: KEY,
        requestBody: jsonBody(schema('ApiKeyInput')),
        responses: {
          '201': ok('The key with its secret, shown this once', schema('ApiKeyWithSecret')),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_CONFLICT'),
        },
      },
    },
    '/api/apikeys/{clientId}': {
      get: {
        operationId: 'getApiKey',
        summary: 'One API key',
        tags: ['API keys'],
        security: KEY,
        parameters: [param('clientId')],
        responses: { '200': ok('The key', schema('ApiKey')), ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND') },
      },
      put: {
        operationId: 'updateApiKey',
        summary: 'Replace an API key (appends APIKEY_UPDATED); `clientSecret` rotates the secret',
        tags: ['API keys'],
        security: KEY,
        parameters: [param('clientId')],
        requestBody: jsonBody(schema('ApiKeyInput')),
        responses: {
          '200': ok('The key', schema('ApiKey')),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_NOT_FOUND'),
        },
      },
      delete: {
        operationId: 'deleteApiKey',
        summary: 'Delete an API key and revoke its tokens (appends APIKEY_DELETED)',
        tags: ['API keys'],
        security: KEY,
        parameters: [param('clientId')],
        responses: { '204': ok('Deleted'), ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND') },
      },
    },
    '/api/webhooks': {
      get: {
        operationId: 'listWebhooks',
        summary: 'List Izanami webhooks',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('listPattern'), param('page'), param('pageSize')],
        responses: {
          '200': ok('A page of webhooks', page(schema('Webhook'))),
          ...errors(...ADMIN, 'RELAY_ERR_VALIDATION'),
        },
      },
      post: {
        operationId: 'createWebhook',
        summary: 'Register a webhook (appends WEBHOOK_CREATED)',
        tags: ['Webhooks'],
        security: KEY,
        requestBody: jsonBody(schema('WebhookInput')),
        responses: {
          '201': ok('The webhook', schema('Webhook')),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_CONFLICT'),
        },
      },
    },
    '/api/webhooks/{id}': {
      get: {
        operationId: 'getWebhook',
        summary: 'One webhook with its delivery state',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId')],
        responses: {
          '200': ok('The webhook', schema('Webhook')),
          ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND'),
        },
      },
      put: {
        operationId: 'replaceWebhook',
        summary: 'Replace a webhook (appends WEBHOOK_UPDATED); `isBanned: false` re-enables it',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId')],
        requestBody: jsonBody(schema('WebhookInput')),
        responses: {
          '200': ok('The webhook', schema('Webhook')),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_NOT_FOUND'),
        },
      },
      patch: {
        operationId: 'patchWebhook',
        summary: 'Change a webhook with a JSON Patch (RFC 6902)',
        description:
          'The patch applies to `{clientId, callbackUrl, domains, patterns, types, headers, isBanned}`; the ' +
          'result is validated as a whole webhook.',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId')],
        requestBody: {
          required: true,
          content: {
            'application/json-patch+json': { schema: schema('JsonPatch') },
            'application/json': { schema: schema('JsonPatch') },
          },
        },
        responses: {
          '200': ok('The webhook', schema('Webhook')),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_NOT_FOUND'),
        },
      },
      delete: {
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook (appends WEBHOOK_DELETED)',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId')],
        responses: { '204': ok('Deleted'), ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND') },
      },
    },
    '/api/webhooks/{id}/deliveries': {
      get: {
        operationId: 'listDeliveries',
        summary: "A hook's delivery attempts, newest first (either API's hooks)",
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId'), param('deliveriesPage'), param('deliveriesPageSize')],
        responses: {
          '200': ok('A page of attempts', page(schema('DeliveryAttempt'))),
          ...errors(...ADMIN, 'RELAY_ERR_VALIDATION', 'RELAY_ERR_NOT_FOUND'),
        },
      },
    },
    '/api/webhooks/{id}/deliveries/{deliveryId}/retry': {
      post: {
        operationId: 'retryDelivery',
        summary: 'Send a failed delivery again',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId'), param('deliveryId')],
        responses: {
          '202': ok('Queued again', {
            type: 'object',
            required: ['deliveryId', 'state'],
            properties: { deliveryId: { type: 'string' }, state: { const: 'waiting' } },
          }),
          ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND', 'RELAY_ERR_CONFLICT'),
        },
      },
    },
    '/api/webhooks/{id}/test': {
      post: {
        operationId: 'pingWebhook',
        summary: 'Send a ping: `{"objectsEdited": [], "ping": {hookId, sentAt}}`',
        tags: ['Webhooks'],
        security: KEY,
        parameters: [param('hookId')],
        responses: {
          '202': ok('Queued', {
            type: 'object',
            required: ['deliveryId'],
            properties: { deliveryId: { type: 'string' } },
          }),
          ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND'),
        },
      },
    },
    '/api/v2/hooks': {
      get: {
        operationId: 'listTweekHooks',
        summary: 'List Tweek hooks',
        tags: ['Tweek hooks'],
        security: KEY,
        parameters: [param('keyPathFilter')],
        responses: {
          '200': ok('The hooks', { type: 'array', items: schema('TweekHook') }, etagHeader),
          ...errors(...ADMIN),
        },
      },
      post: {
        operationId: 'createTweekHook',
        summary: 'Create a Tweek hook',
        tags: ['Tweek hooks'],
        security: KEY,
        parameters: [param('IfMatch')],
        requestBody: jsonBody(schema('TweekHookInput')),
        responses: {
          '201': ok('The hook with its generated id', schema('TweekHook'), etagHeader),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_PRECONDITION_FAILED'),
        },
      },
    },
    '/api/v2/hooks/{id}': {
      put: {
        operationId: 'replaceTweekHook',
        summary: 'Replace a Tweek hook',
        tags: ['Tweek hooks'],
        security: KEY,
        parameters: [param('tweekHookId'), param('IfMatch')],
        requestBody: jsonBody(schema('TweekHookInput')),
        responses: {
          '204': ok('Replaced', undefined, etagHeader),
          ...errors(...ADMIN, ...WITH_BODY, 'RELAY_ERR_NOT_FOUND', 'RELAY_ERR_PRECONDITION_FAILED'),
        },
      },
      delete: {
        operationId: 'deleteTweekHook',
        summary: 'Delete a Tweek hook',
        tags: ['Tweek hooks'],
        security: KEY,
        parameters: [param('tweekHookId'), param('IfMatch')],
        responses: {
          '204': ok('Deleted', undefined, etagHeader),
          ...errors(...ADMIN, 'RELAY_ERR_NOT_FOUND', 'RELAY_ERR_PRECONDITION_FAILED'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      clientId: { type: 'apiKey', in: 'header', name: 'Izanami-Client-Id', description: 'With clientSecret' },
      clientSecret: {
        type: 'apiKey',
        in: 'header',
        name: 'Izanami-Client-Secret',
        description: 'With clientId',
      },
      basic: { type: 'http', scheme: 'basic', description: 'clientId:clientSecret' },
      token: {
        type: 'apiKey',
        in: 'query',
        name: 'token',
        description: 'A token from POST /api/tokens; accepted on the SSE routes only',
      },
    },
    parameters: {
      domain: {
        name: 'domain',
        in: 'path',
        required: true,
        description: 'A domain (case-insensitive)',
        schema: { type: 'string', examples: [...DOMAINS] },
      },
      clientId: {
        name: 'clientId',
        in: 'path',
        required: true,
        description: "The key's clientId",
        schema: { type: 'string' },
      },
      hookId: {
        name: 'id',
        in: 'path',
        required: true,
        description: "The webhook's clientId (its id)",
        schema: { type: 'string' },
      },
      tweekHookId: {
        name: 'id',
        in: 'path',
        required: true,
        description: "The hook's id",
        schema: { type: 'string' },
      },
      deliveryId: {
        name: 'deliveryId',
        in: 'path',
        required: true,
        description: 'A delivery id',
        schema: { type: 'string' },
      },
      domains: {
        name: 'domains',
        in: 'query',
        description: 'Comma-separated domains (case-insensitive); none: every domain. Unknown: 400',
        schema: { type: 'string', examples: ['Config,Feature'] },
      },
      patterns: {
        name: 'patterns',
        in: 'query',
        description: 'Comma-separated key globs (`*` any characters, anchored); none: `*`',
        schema: { type: 'string', examples: ['demo:*'] },
      },
      patternAlias: {
        name: 'pattern',
        in: 'query',
        description: 'Alias of `patterns` (used when `patterns` is absent)',
        schema: { type: 'string' },
      },
      types: {
        name: 'types',
        in: 'query',
        description: 'Comma-separated event types; none: every type. Unknown: 400',
        schema: { type: 'string', examples: ['CONFIG_UPDATED,FEATURE_UPDATED'] },
      },
      lastEventId: {
        name: 'lastEventId',
        in: 'query',
        description: 'Replay after this `_id` (decimal digits; `0`: everything retained); the header wins',
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
      LastEventIdHeader: {
        name: 'Last-Event-Id',
        in: 'header',
        description: 'Replay after this `_id` (as EventSource sends it on reconnection)',
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
      token: {
        name: 'token',
        in: 'query',
        description: 'A browser token from POST /api/tokens (instead of the key headers)',
        schema: { type: 'string' },
      },
      listPattern: {
        name: 'pattern',
        in: 'query',
        description: 'Comma-separated globs on the ids listed',
        schema: { type: 'string', maxLength: 1024 },
      },
      page: {
        name: 'page',
        in: 'query',
        description: 'Page number, from 1',
        schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
      },
      pageSize: {
        name: 'pageSize',
        in: 'query',
        description: 'Items per page',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 15 },
      },
      deliveriesPage: {
        name: 'page',
        in: 'query',
        description: 'Page number, from 1',
        schema: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
      },
      deliveriesPageSize: {
        name: 'pageSize',
        in: 'query',
        description: 'Attempts per page',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
      keyPathFilter: {
        name: 'keyPathFilter',
        in: 'query',
        description: 'Only the hooks with exactly this keyPath',
        schema: { type: 'string' },
      },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        description: 'A retry with the same key and body within IDEMPOTENCY_TTL gets the first response',
        schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
      },
      IfMatch: {
        name: 'If-Match',
        in: 'header',
        description: 'The ETag the write expects (absent, empty or `*`: no check); a mismatch is 412',
        schema: { type: 'string' },
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: ERROR_CODES },
              message: { type: 'string' },
              details: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'message'],
                  properties: { path: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
      Ready: { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } },
      PageMetadata: {
        type: 'object',
        required: ['page', 'pageSize', 'count', 'nbPages'],
        properties: {
          page: { type: 'integer' },
          pageSize: { type: 'integer' },
          count: { type: 'integer' },
          nbPages: { type: 'integer' },
        },
      },
      AuthInfo: {
        type: 'object',
        required: ['clientId', 'name'],
        properties: { clientId: { type: 'string' }, name: { type: 'string' } },
      },
      Author: {
        type: 'object',
        required: ['name', 'email'],
        additionalProperties: false,
        properties: { name: { type: 'string', maxLength: 256 }, email: { type: 'string', maxLength: 256 } },
      },
      Event: {
        type: 'object',
        required: ['_id', 'type', 'key', 'domain', 'payload', 'authInfo', 'timestamp'],
        properties: {
          _id: { type: 'integer', description: '`ms × 1000 + seq` of its stream entry; strictly increasing' },
          type: { type: 'string', enum: [...EVENT_TYPES] },
          key: { type: 'string' },
          domain: { type: 'string', enum: [...DOMAINS] },
          payload: {},
          oldValue: {},
          authInfo: { oneOf: [schema('AuthInfo'), { type: 'null' }] },
          author: schema('Author'),
          timestamp: { type: 'string', description: 'UTC, ISO local date-time with milliseconds' },
        },
      },
      NewEvent: {
        type: 'object',
        required: ['type', 'key', 'payload'],
        additionalProperties: false,
        properties: {
          type: { type: 'string', enum: [...EVENT_TYPES] },
          key: { type: 'string', minLength: 1, maxLength: 1024 },
          domain: { type: 'string', enum: [...DOMAINS], description: 'Must agree with the type' },
          payload: { description: 'Required; may be null' },
          oldValue: {},
        },
      },
      Commit: {
        type: 'object',
        required: ['events'],
        additionalProperties: false,
        properties: {
          author: schema('Author'),
          events: { type: 'array', minItems: 1, maxItems: 1000, items: schema('NewEvent') },
        },
      },
      PublishRequest: { oneOf: [schema('NewEvent'), schema('Commit')] },
      PublishResponse: {
        type: 'object',
        required: ['events'],
        properties: { events: { type: 'array', items: schema('Event') } },
      },
      Token: {
        type: 'object',
        required: ['token', 'expiresAt'],
        properties: { token: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
      },
      ApiKey: {
        type: 'object',
        required: ['clientId', 'name', 'authorizedPattern', 'admin'],
        properties: {
          clientId: { type: 'string' },
          name: { type: 'string' },
          authorizedPattern: { type: 'string', description: 'Comma-separated globs' },
          admin: { type: 'boolean' },
        },
      },
      ApiKeyWithSecret: {
        allOf: [
          schema('ApiKey'),
          { type: 'object', required: ['clientSecret'], properties: { clientSecret: { type: 'string' } } },
        ],
      },
      ApiKeyInput: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          clientId: {
            type: 'string',
            pattern: '^[A-Za-z0-9_.:@-]{1,128}$',
            description: 'Generated when absent (POST); must equal the path (PUT)',
          },
          name: { type: 'string', minLength: 1, maxLength: 256 },
          authorizedPattern: { type: 'string', minLength: 1, maxLength: 1024, default: '*' },
          admin: { type: 'boolean', default: false },
          clientSecret: {
            type: 'string',
            minLength: 16,
            maxLength: 256,
            description: 'Generated when absent',
          },
        },
      },
      WebhookInput: {
        type: 'object',
        required: ['callbackUrl'],
        additionalProperties: false,
        properties: {
          clientId: {
            type: 'string',
            pattern: '^[A-Za-z0-9_.:@-]{1,128}$',
            description: 'Generated when absent (POST); must equal the path (PUT)',
          },
          callbackUrl: { type: 'string', format: 'uri', maxLength: 2048, description: 'http(s) only' },
          domains: { type: 'array', maxItems: 20, items: { type: 'string' }, default: [] },
          patterns: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 1024 }, default: [] },
          types: { type: 'array', maxItems: 100, items: { type: 'string' }, default: [] },
          headers: {
            type: 'object',
            maxProperties: 50,
            additionalProperties: { type: 'string', maxLength: 4096 },
            default: {},
          },
          secret: {
            type: ['string', 'null'],
            description: 'Standard Webhooks `whsec_…` key (write-only); null removes it, absent keeps it',
          },
          isBanned: { type: 'boolean', default: false },
          created: { description: 'Read-only; ignored' },
          hasSecret: { description: 'Read-only; ignored' },
          consecutiveFailures: { description: 'Read-only; ignored' },
          lastError: { description: 'Read-only; ignored' },
          lastAttemptAt: { description: 'Read-only; ignored' },
          lastSuccessAt: { description: 'Read-only; ignored' },
          disabledReason: { description: 'Read-only; ignored' },
        },
      },
      Webhook: {
        type: 'object',
        required: [
          'clientId',
          'callbackUrl',
          'domains',
          'patterns',
          'types',
          'headers',
          'created',
          'isBanned',
        ],
        properties: {
          clientId: { type: 'string' },
          callbackUrl: { type: 'string' },
          domains: { type: 'array', items: { type: 'string', enum: [...DOMAINS] } },
          patterns: { type: 'array', items: { type: 'string' } },
          types: { type: 'array', items: { type: 'string' } },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          created: { type: 'string', format: 'date-time' },
          isBanned: { type: 'boolean' },
          hasSecret: { type: 'boolean' },
          consecutiveFailures: { type: 'integer' },
          lastError: { type: ['string', 'null'] },
          lastAttemptAt: { type: ['string', 'null'] },
          lastSuccessAt: { type: ['string', 'null'] },
          disabledReason: { type: ['string', 'null'] },
        },
      },
      JsonPatch: {
        type: 'array',
        description: 'RFC 6902',
        items: {
          type: 'object',
          required: ['op', 'path'],
          properties: {
            op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
            path: { type: 'string' },
            from: { type: 'string' },
            value: {},
          },
        },
      },
      TweekHookInput: {
        type: 'object',
        required: ['keyPath', 'type', 'url'],
        additionalProperties: false,
        properties: {
          id: {
            type: 'string',
            pattern: '^[A-Za-z0-9_.:@-]{1,128}$',
            description: 'Must equal the path (PUT)',
          },
          keyPath: { type: 'string', minLength: 1, maxLength: 1024, description: '`*` matches at any depth' },
          type: { const: 'notification_webhook' },
          url: { type: 'string', format: 'uri', maxLength: 2048 },
        },
      },
      TweekHook: {
        type: 'object',
        required: ['id', 'keyPath', 'type', 'url'],
        properties: {
          id: { type: 'string' },
          keyPath: { type: 'string' },
          type: { const: 'notification_webhook' },
          url: { type: 'string' },
        },
      },
      DeliveryAttempt: {
        type: 'object',
        required: ['deliveryId', 'attempt', 'at', 'status', 'durationMs', 'outcome', 'error', 'response'],
        properties: {
          deliveryId: { type: 'string' },
          attempt: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          status: { type: ['integer', 'null'], description: "The receiver's HTTP status" },
          durationMs: { type: 'number' },
          outcome: { type: 'string', enum: ['success', 'retry', 'disable', 'fail', 'ping'] },
          error: { type: ['string', 'null'] },
          response: { type: ['string', 'null'], description: 'Truncated to 2 KiB' },
        },
      },
    },
  },
};
