import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS } from '../../src/errors/catalogue.js';
import { CONSOLE_PATH } from '../../src/http/live-console.js';
import {
  HTTP_METHODS,
  OPENAPI_DOCUMENT,
  type OpenApiOperation,
  type OpenApiParameter,
  type Ref,
} from '../../src/http/openapi.js';
import { relayForSuite } from '../helpers/relay-suite.js';
import { servedRoutes } from '../helpers/served-routes.js';

const doc = OPENAPI_DOCUMENT;
const PUBLIC_PATHS = new Set(['/health', '/ready', '/metrics', '/openapi.json', CONSOLE_PATH]);
const SSE_OPERATIONS = new Set(['GET /api/events', 'GET /api/events/{domain}']);

function operations(): { key: string; path: string; method: string; op: OpenApiOperation }[] {
  const list = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) list.push({ key: `${method.toUpperCase()} ${path}`, path, method, op });
    }
  }
  return list;
}

function resolve<T>(value: T | Ref): T {
  if (!value || typeof value !== 'object' || !('$ref' in value)) return value as T;
  const parts = value.$ref.replace(/^#\//, '').split('/');
  let at: unknown = doc;
  for (const part of parts) at = (at as Record<string, unknown> | undefined)?.[part];
  assert.ok(at !== undefined, `${value.$ref} resolves`);
  return at as T;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

describe('OpenAPI document', () => {
  it('has the structure of an OpenAPI 3.1 document', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(Object.keys(doc.paths).length > 0);
    for (const part of ['schemas', 'parameters', 'securitySchemes'] as const) {
      assert.equal(typeof doc.components[part], 'object', `components.${part}`);
    }
    for (const ref of refsIn(doc)) resolve({ $ref: ref });
    const ids = operations().map(({ op }) => op.operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  it('documents exactly the routes the app serves', () => {
    const documented = new Set(operations().map(({ key }) => key));
    const served = servedRoutes();
    const undocumented = [...served].filter((r) => !documented.has(r));
    const extra = [...documented].filter((r) => !served.has(r));
    assert.deepEqual(undocumented, [], 'routes served but not documented');
    assert.deepEqual(extra, [], 'routes documented but not served');
  });

  it('declares every path parameter of every path, and only those', () => {
    for (const { key, path, op } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const params = (op.parameters ?? []).map((p) => resolve<OpenApiParameter>(p));
      const declared = params.filter((p) => p.in === 'path');
      assert.deepEqual(declared.map((p) => p.name).sort(), inPath, key);
      for (const p of declared) assert.equal(p.required, true, `${key}: ${p.name} is required`);
    }
  });

  it('gives every operation a success response and its error responses with the error schema', () => {
    for (const { key, op } of operations()) {
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => /^2\d\d$/.test(s)),
        `${key} has a 2xx response`,
      );
      const errorStatuses = statuses.filter((s) => /^[45]\d\d$/.test(s));
      assert.ok(errorStatuses.length > 0, `${key} lists its error responses`);
      assert.ok(errorStatuses.includes('500'), `${key} lists 500`);
      for (const status of errorStatuses) {
        const response = op.responses[status]!;
        assert.deepEqual(
          response.content?.['application/json']?.schema,
          { $ref: '#/components/schemas/Error' },
          `${key} ${status} uses the error schema`,
        );
        const codes = response['x-error-codes'] ?? [];
        assert.ok(codes.length > 0, `${key} ${status} names its codes`);
        for (const code of codes) {
          assert.equal(String(ERRORS[code].status), status, `${key}: ${code} is a ${status}`);
        }
      }
      if (op.security.length > 0) {
        assert.ok(
          op.responses['401']?.['x-error-codes']?.includes('RELAY_ERR_UNAUTHENTICATED'),
          `${key} 401`,
        );
      }
    }
  });

  it('lists exactly the catalogue codes in the error schema', () => {
    const error = resolve<{ properties: { error: { properties: { code: { enum: string[] } } } } }>({
      $ref: '#/components/schemas/Error',
    });
    assert.deepEqual(error.properties.error.properties.code.enum, Object.keys(ERRORS));
  });

  it('needs no credentials on the operations routes only, and takes a token on the SSE routes only', () => {
    for (const { key, path, op } of operations()) {
      assert.equal(
        op.security.length === 0,
        PUBLIC_PATHS.has(path),
        `${key}: security ${JSON.stringify(op.security)}`,
      );
      const schemes = op.security.flatMap((requirement) => Object.keys(requirement));
      for (const scheme of schemes) assert.ok(scheme in doc.components.securitySchemes, `${key}: ${scheme}`);
      assert.equal(schemes.includes('token'), SSE_OPERATIONS.has(key), `${key}: token`);
      if (!PUBLIC_PATHS.has(path)) {
        assert.ok(
          op.security.some((r) => 'clientId' in r && 'clientSecret' in r),
          `${key} takes the key headers`,
        );
        assert.ok(
          op.security.some((r) => 'basic' in r),
          `${key} takes HTTP Basic`,
        );
      }
    }
  });

  it('answers the SSE routes with text/event-stream', () => {
    for (const { key, op } of operations()) {
      const types = Object.keys(op.responses['200']?.content ?? {});
      assert.equal(types.includes('text/event-stream'), SSE_OPERATIONS.has(key), key);
    }
  });
});

describe('GET /openapi.json and the live app', () => {
  const suite = relayForSuite();

  it('serves the document as JSON without credentials', async () => {
    const res = await fetch(`${suite.relay.baseUrl}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as typeof doc;
    assert.equal(body.openapi, '3.1.0');
    assert.deepEqual(body, JSON.parse(JSON.stringify(doc)));
  });

  it('serves every documented operation, with the documented credentials', async () => {
    // Without credentials: a public route answers 200, any other 401 before it reads a body or opens a stream.
    for (const { key, path, method, op } of operations()) {
      const url = path.replace(/\{[^}]+\}/g, (m) => (m === '{domain}' ? 'Config' : 'x'));
      const res = await fetch(`${suite.relay.baseUrl}${url}`, {
        method: method.toUpperCase(),
        ...(op.requestBody ? { headers: { 'Content-Type': 'application/json' }, body: '{}' } : {}),
      });
      const text = await res.text();
      assert.equal(
        res.status,
        op.security.length === 0 ? 200 : 401,
        `${key}: ${res.status} ${text.slice(0, 200)}`,
      );
      if (res.status === 401) {
        assert.equal(
          (JSON.parse(text) as { error: { code: string } }).error.code,
          'RELAY_ERR_UNAUTHENTICATED',
        );
      }
    }
  });
});
