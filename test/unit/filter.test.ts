import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayError } from '../../src/errors/catalogue.js';
import type { Domain } from '../../src/events/catalogue.js';
import { buildFilter, type FilterRequest, matchesFilter } from '../../src/events/filter.js';

// CONTRACT.md, Listening: `domains=` (none: all), `/api/events/{domain}`, `types=`, `patterns=` (none: `*`);
// an event matches if its key matches any requested pattern AND the key's authorized pattern; an unknown
// domain or type is a 400.

function event(domain: Domain, type: string, key: string) {
  return { domain, type, key };
}

const CONFIG = event('Config', 'CONFIG_UPDATED', 'demo:title');
const FEATURE = event('Feature', 'FEATURE_CREATED', 'demo:flag');
const USER = event('User', 'USER_DELETED', 'people/ann');

function filter(request: Partial<FilterRequest>) {
  return buildFilter({ authorizedPattern: '*', ...request });
}

function passes(request: Partial<FilterRequest>, e: ReturnType<typeof event>): boolean {
  return matchesFilter(filter(request), e);
}

function assertRelayError(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RelayError, 'a RelayError');
    assert.equal(err.code, code);
    assert.equal(err.status, 400);
    return true;
  });
}

describe('no filter', () => {
  it('lets every event through', () => {
    const f = filter({});
    assert.equal(f.domains, null);
    assert.equal(f.types, null);
    assert.equal(f.patterns.matchesAll, true);
    for (const e of [CONFIG, FEATURE, USER]) assert.ok(matchesFilter(f, e));
  });
});

describe('domains', () => {
  it('keeps the listed domains only', () => {
    const request = { domains: 'Config,Feature' };
    assert.ok(passes(request, CONFIG));
    assert.ok(passes(request, FEATURE));
    assert.ok(!passes(request, USER));
  });

  it('accepts domain names in any case and with spaces around them', () => {
    const f = filter({ domains: ' config , FEATURE ' });
    assert.deepEqual([...(f.domains ?? [])].sort(), ['Config', 'Feature']);
  });

  it('an empty list means every domain', () => {
    assert.equal(filter({ domains: '' }).domains, null);
    assert.equal(filter({ domains: ' , ' }).domains, null);
  });

  for (const domains of ['Configs', 'Config,Nope', 'Izanami', 'constructor']) {
    it(`refuses the unknown domain in ${JSON.stringify(domains)}`, () => {
      assertRelayError(() => filter({ domains }), 'RELAY_ERR_UNKNOWN_DOMAIN');
    });
  }
});

describe('the domain of the path', () => {
  it('alone, keeps that domain only', () => {
    const request = { pathDomain: 'Config' };
    assert.ok(passes(request, CONFIG));
    assert.ok(!passes(request, FEATURE));
    assert.deepEqual([...(filter(request).domains ?? [])], ['Config']);
  });

  it('narrows the listed domains', () => {
    const request = { pathDomain: 'Config', domains: 'Config,Feature' };
    assert.ok(passes(request, CONFIG));
    assert.ok(!passes(request, FEATURE));
  });

  it('outside the listed domains, lets nothing through', () => {
    const request = { pathDomain: 'Config', domains: 'Feature' };
    for (const e of [CONFIG, FEATURE, USER]) assert.ok(!passes(request, e));
  });

  it('is case-insensitive too', () => {
    assert.ok(passes({ pathDomain: 'config' }, CONFIG));
  });

  it('refuses an unknown domain', () => {
    assertRelayError(() => filter({ pathDomain: 'Nope' }), 'RELAY_ERR_UNKNOWN_DOMAIN');
  });
});

describe('types', () => {
  it('keeps the listed types only', () => {
    const request = { types: 'CONFIG_UPDATED, USER_DELETED' };
    assert.ok(passes(request, CONFIG));
    assert.ok(passes(request, USER));
    assert.ok(!passes(request, FEATURE));
    assert.ok(!passes(request, event('Config', 'CONFIG_CREATED', 'demo:title')));
  });

  it('an empty list means every type', () => {
    assert.equal(filter({ types: '' }).types, null);
  });

  it('combines with domains (both must hold)', () => {
    const request = { domains: 'Feature', types: 'CONFIG_UPDATED,FEATURE_CREATED' };
    assert.ok(!passes(request, CONFIG));
    assert.ok(passes(request, FEATURE));
  });

  for (const types of ['CONFIG_RENAMED', 'CONFIG_UPDATED,nope', 'config_updated', 'Config']) {
    it(`refuses the unknown type in ${JSON.stringify(types)}`, () => {
      assertRelayError(() => filter({ types }), 'RELAY_ERR_UNKNOWN_TYPE');
    });
  }
});

describe('patterns and the authorized pattern', () => {
  it('patterns are ORed among themselves', () => {
    const request = { patterns: 'demo:title,people/*' };
    assert.ok(passes(request, CONFIG));
    assert.ok(passes(request, USER));
    assert.ok(!passes(request, FEATURE));
  });

  it('an event must match the requested patterns AND the authorized pattern', () => {
    const request = { patterns: 'demo:*,people/*', authorizedPattern: 'people/*' };
    assert.ok(passes(request, USER), 'in both');
    assert.ok(!passes(request, CONFIG), 'requested, but outside the key’s rights');
    assert.ok(!passes({ patterns: 'demo:*', authorizedPattern: 'people/*' }, USER), 'allowed, not requested');
  });

  it('asking for `*` does not widen a limited key', () => {
    const request = { patterns: '*', authorizedPattern: 'demo:*' };
    assert.ok(passes(request, CONFIG));
    assert.ok(!passes(request, USER));
  });

  it('no patterns means `*`, still within the authorized pattern', () => {
    assert.ok(passes({ authorizedPattern: 'demo:*' }, FEATURE));
    assert.ok(!passes({ authorizedPattern: 'demo:*' }, USER));
    assert.ok(passes({ patterns: '' }, USER));
  });

  it('an authorized pattern may be a list', () => {
    const request = { authorizedPattern: 'demo:title, people/*' };
    assert.ok(passes(request, CONFIG));
    assert.ok(passes(request, USER));
    assert.ok(!passes(request, FEATURE));
  });

  it('every part of the filter applies at once', () => {
    const request = {
      domains: 'Config,User',
      types: 'CONFIG_UPDATED,USER_DELETED,FEATURE_CREATED',
      patterns: 'demo:*,people/*',
      authorizedPattern: 'demo:*',
    };
    assert.ok(passes(request, CONFIG));
    assert.ok(!passes(request, USER), 'outside the authorized pattern');
    assert.ok(!passes(request, FEATURE), 'outside the domains');
  });
});

describe('signature', () => {
  it('is equal for equal filters written in another order, case or spacing', () => {
    const a = filter({
      domains: 'Config,Feature',
      types: 'CONFIG_UPDATED,FEATURE_CREATED',
      patterns: 'a:*,b:*',
      authorizedPattern: 'x,y',
    });
    const b = filter({
      domains: ' feature,config,Config',
      types: 'FEATURE_CREATED , CONFIG_UPDATED,FEATURE_CREATED',
      patterns: 'b:*, a:*, b:*',
      authorizedPattern: 'y, x',
    });
    assert.equal(a.signature, b.signature);
  });

  it('a path domain gives the same filter as the same domain listed', () => {
    assert.equal(filter({ pathDomain: 'Config' }).signature, filter({ domains: 'Config' }).signature);
    assert.equal(
      filter({ pathDomain: 'Config', domains: 'Config,Feature' }).signature,
      filter({ domains: 'Config' }).signature,
    );
  });

  it('no patterns and `*` are the same filter', () => {
    assert.equal(filter({}).signature, filter({ patterns: '*' }).signature);
    assert.equal(filter({ patterns: '' }).signature, filter({ patterns: 'a,*' }).signature);
  });

  it('differs when any part differs', () => {
    const base: Partial<FilterRequest> = {
      domains: 'Config',
      types: 'CONFIG_UPDATED',
      patterns: 'a:*',
      authorizedPattern: 'a:*',
    };
    const variants: Partial<FilterRequest>[] = [
      { ...base, domains: 'Feature' },
      { ...base, domains: undefined },
      { ...base, types: 'CONFIG_CREATED' },
      { ...base, types: undefined },
      { ...base, patterns: 'b:*' },
      { ...base, patterns: undefined },
      { ...base, authorizedPattern: 'b:*' },
      { ...base, authorizedPattern: '*' },
    ];
    const signatures = [base, ...variants].map((r) => filter(r).signature);
    assert.equal(new Set(signatures).size, signatures.length);
  });
});
