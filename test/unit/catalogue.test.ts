import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DOMAINS, domainOfType, EVENT_TYPES, isEventType, parseDomain } from '../../src/events/catalogue.js';

// CONTRACT.md, Events: `domain` is one of Izanami's list; `type` is the seed's catalogue; the domain follows
// from the type's prefix (CONFIG_* → Config, GLOBALSCRIPT_* → Script, VARIANT_BINDING_* and EXPERIMENT_* →
// Experiment …).

// A verbatim copy of shared/seeds/izanami-events.txt, so that the suite runs from a fresh clone.
const SEED = readFileSync(new URL('../fixtures/izanami-events.txt', import.meta.url), 'utf8');

/** The rows of the seed's table that starts with `header`, up to the next blank line. */
function seedTable(header: string): string[] {
  const lines = SEED.split('\n');
  const start = lines.findIndex((l) => l.trim() === header);
  assert.ok(start >= 0, `the seed has a table "${header}"`);
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    rows.push(line.trim().split(/\s+/)[0] as string);
  }
  return rows;
}

const SEED_TYPES = seedTable('Types Description');
const SEED_DOMAINS = seedTable('Domain Description');

/** The contract's prefix rule, written out independently of the catalogue. */
function domainByPrefix(type: string): string {
  const rules: [RegExp, string][] = [
    [/^CONFIGS?_/, 'Config'],
    [/^FEATURES?_/, 'Feature'],
    [/^GLOBALSCRIPTS?_/, 'Script'],
    [/^USERS?_/, 'User'],
    [/^WEBHOOKS?_/, 'Webhook'],
    [/^APIKEYS?_/, 'ApiKey'],
    [/^EXPERIMENTS?_/, 'Experiment'],
    [/^VARIANT_BINDINGS?_/, 'Experiment'],
  ];
  const rule = rules.find(([prefix]) => prefix.test(type));
  assert.ok(rule, `no prefix rule for ${type}`);
  return rule[1];
}

describe('the seed', () => {
  it('lists 31 types and 7 domains', () => {
    assert.equal(SEED_TYPES.length, 31);
    assert.equal(new Set(SEED_TYPES).size, 31);
    assert.ok(SEED_TYPES.every((t) => /^[A-Z_]+$/.test(t)));
    assert.deepEqual(SEED_DOMAINS, [
      'Experiment',
      'ApiKey',
      'Config',
      'Feature',
      'User',
      'Script',
      'Webhook',
    ]);
  });
});

describe('catalogue', () => {
  it('holds exactly the types of the seed', () => {
    assert.deepEqual([...EVENT_TYPES].sort(), [...SEED_TYPES].sort());
    assert.equal(EVENT_TYPES.length, new Set(EVENT_TYPES).size);
  });

  it("holds exactly Izanami's domains", () => {
    assert.deepEqual([...DOMAINS].sort(), [...SEED_DOMAINS].sort());
  });

  for (const type of SEED_TYPES) {
    it(`${type} belongs to ${domainByPrefix(type)}`, () => {
      assert.equal(domainOfType(type), domainByPrefix(type));
      assert.ok(isEventType(type));
    });
  }

  it('the examples of the contract', () => {
    assert.equal(domainOfType('CONFIG_UPDATED'), 'Config');
    assert.equal(domainOfType('CONFIGS_DELETED'), 'Config');
    assert.equal(domainOfType('GLOBALSCRIPT_CREATED'), 'Script');
    assert.equal(domainOfType('VARIANT_BINDING_CREATED'), 'Experiment');
    assert.equal(domainOfType('EXPERIMENT_VARIANT_EVENT_DELETED'), 'Experiment');
    assert.equal(domainOfType('APIKEY_CREATED'), 'ApiKey');
  });

  it('every domain has at least one type, and every type one of the domains', () => {
    const domainsOfTypes = new Set(EVENT_TYPES.map((t) => domainOfType(t)));
    assert.deepEqual([...domainsOfTypes].sort(), [...DOMAINS].sort());
  });

  for (const unknown of [
    '',
    'CONFIG',
    'CONFIG_',
    'CONFIG_RENAMED',
    'config_updated',
    ' CONFIG_UPDATED',
    'CONFIG_UPDATED ',
    'VARIANT_BINDING_DELETED',
    'SCRIPT_CREATED',
    'constructor',
    '__proto__',
    'toString',
  ]) {
    it(`${JSON.stringify(unknown)} is not a type`, () => {
      assert.equal(domainOfType(unknown), undefined);
      assert.equal(isEventType(unknown), false);
    });
  }
});

describe('parseDomain', () => {
  it('gives the canonical name of every domain', () => {
    for (const domain of DOMAINS) assert.equal(parseDomain(domain), domain);
  });

  it('is case-insensitive, as clients write domains in URLs', () => {
    assert.equal(parseDomain('config'), 'Config');
    assert.equal(parseDomain('APIKEY'), 'ApiKey');
    assert.equal(parseDomain('apiKey'), 'ApiKey');
    assert.equal(parseDomain('webHook'), 'Webhook');
  });

  for (const unknown of [
    '',
    'Configs',
    'Conf',
    'Api Key',
    'Api-Key',
    ' Config',
    'Scripts',
    'constructor',
    '__proto__',
  ]) {
    it(`${JSON.stringify(unknown)} is not a domain`, () => {
      assert.equal(parseDomain(unknown), undefined);
    });
  }
});
