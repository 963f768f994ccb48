import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Domain } from '../../src/events/catalogue.js';
import type { Filterable } from '../../src/events/filter.js';
import type { Hook } from '../../src/webhooks/hook.js';
import {
  compileHookFilter,
  compileKeyPath,
  type HookFilter,
  hookFilterOf,
  matchingEvents,
} from '../../src/webhooks/hook-matching.js';

// CONTRACT.md, Webhooks — Izanami API: filters domains, types, patterns (patterns ORed).
// Hooks — Tweek API: `*` matches any characters at any depth; `a/b/*` matches `a/b/c` and `a/b/c/d`, not `a/b`.

function ev(key: string, type = 'CONFIG_UPDATED', domain: Domain = 'Config'): Filterable {
  return { key, type, domain };
}

function izanami(filter: { domains?: Domain[]; types?: string[]; patterns?: string[] }) {
  return compileHookFilter({ api: 'izanami', domains: [], types: [], patterns: [], ...filter });
}

function tweek(keyPath: string) {
  return compileHookFilter({ api: 'tweek', keyPath });
}

describe('Izanami hooks', () => {
  it('with no filter at all, match every event', () => {
    const m = izanami({});
    assert.ok(m(ev('a')));
    assert.ok(m(ev('x:y/z', 'FEATURE_CREATED', 'Feature')));
    assert.ok(m(ev('', 'WEBHOOK_UPDATED', 'Webhook')));
  });

  it('domains: the event’s domain must be listed', () => {
    const m = izanami({ domains: ['Config', 'Feature'] });
    assert.ok(m(ev('k', 'CONFIG_CREATED', 'Config')));
    assert.ok(m(ev('k', 'FEATURE_DELETED', 'Feature')));
    assert.ok(!m(ev('k', 'USER_CREATED', 'User')));
    assert.ok(!m(ev('k', 'WEBHOOK_UPDATED', 'Webhook')));
  });

  it('types: the event’s type must be listed', () => {
    const m = izanami({ types: ['CONFIG_CREATED', 'FEATURE_UPDATED'] });
    assert.ok(m(ev('k', 'CONFIG_CREATED')));
    assert.ok(m(ev('k', 'FEATURE_UPDATED', 'Feature')));
    assert.ok(!m(ev('k', 'CONFIG_UPDATED')));
  });

  it('patterns are ORed globs over the key, anchored, `*` crossing `:` and `/`', () => {
    const m = izanami({ patterns: ['demo:*', 'other/*/end'] });
    assert.ok(m(ev('demo:title')));
    assert.ok(m(ev('demo:a:b/c')));
    assert.ok(m(ev('other/x/y/end')));
    assert.ok(!m(ev('xdemo:title')));
    assert.ok(!m(ev('other/x/end/more')));
    assert.ok(!m(ev('demo')));
  });

  it('a pattern entry may be a comma-separated list; blanks restrict nothing', () => {
    const m = izanami({ patterns: ['a:*, b:*'] });
    assert.ok(m(ev('a:1')));
    assert.ok(m(ev('b:1')));
    assert.ok(!m(ev('c:1')));
    assert.ok(izanami({ patterns: [''] })(ev('anything')));
    assert.ok(izanami({ patterns: [' , '] })(ev('anything')));
  });

  it('a `*` among the patterns matches every key', () => {
    const m = izanami({ patterns: ['a:*', '*'] });
    assert.ok(m(ev('zzz')));
  });

  it('domains AND types AND patterns: each one alone can reject', () => {
    const m = izanami({ domains: ['Config'], types: ['CONFIG_UPDATED'], patterns: ['app:*'] });
    assert.ok(m(ev('app:x', 'CONFIG_UPDATED', 'Config')));
    assert.ok(!m(ev('app:x', 'CONFIG_UPDATED', 'Feature')));
    assert.ok(!m(ev('app:x', 'CONFIG_CREATED', 'Config')));
    assert.ok(!m(ev('web:x', 'CONFIG_UPDATED', 'Config')));
  });

  it('a type listed outside the listed domains matches nothing of that type', () => {
    const m = izanami({ domains: ['Feature'], types: ['CONFIG_UPDATED'] });
    assert.ok(!m(ev('k', 'CONFIG_UPDATED', 'Config')));
    assert.ok(!m(ev('k', 'FEATURE_UPDATED', 'Feature')));
  });

  it('treats glob metacharacters other than `*` literally', () => {
    const m = izanami({ patterns: ['a.b?[c]'] });
    assert.ok(m(ev('a.b?[c]')));
    assert.ok(!m(ev('axb?[c]')));
    assert.ok(!m(ev('a.bc')));
  });

  it('is not changed by later edits of the arrays it was compiled from', () => {
    const domains: Domain[] = ['Config'];
    const patterns = ['a:*'];
    const m = compileHookFilter({ api: 'izanami', domains, types: [], patterns });
    domains.push('Feature');
    patterns.push('*');
    assert.ok(!m(ev('a:1', 'FEATURE_UPDATED', 'Feature')));
    assert.ok(!m(ev('b:1')));
  });
});

describe('Tweek hooks: keyPath', () => {
  it('`a/b/*` matches a/b/c and a/b/c/d, not a/b', () => {
    const m = tweek('a/b/*');
    assert.ok(m(ev('a/b/c')));
    assert.ok(m(ev('a/b/c/d')));
    assert.ok(m(ev('a/b/c/d/e/f')));
    assert.ok(!m(ev('a/b')));
  });

  it('`a/b/*` also matches `a/b/`, since `*` may match nothing (documented choice)', () => {
    assert.ok(tweek('a/b/*')(ev('a/b/')));
  });

  it('`a/b/*` does not match siblings, parents, or keys that merely contain it', () => {
    const m = tweek('a/b/*');
    for (const key of ['a/bc', 'a/bc/d', 'a', 'x/a/b/c', 'A/b/c', 'a//b/c']) assert.ok(!m(ev(key)), key);
  });

  it('a key path without `*` matches that key only', () => {
    const m = tweek('path/to/key');
    assert.ok(m(ev('path/to/key')));
    assert.ok(!m(ev('path/to/key/sub')));
    assert.ok(!m(ev('path/to')));
    assert.ok(!m(ev('path/to/keyx')));
  });

  it('`*` alone matches every key, at any depth', () => {
    const m = tweek('*');
    for (const key of ['a', 'a/b', 'a/b/c/d', '', 'x:y']) assert.ok(m(ev(key)), key);
  });

  it('`*` in the middle or at the start crosses levels too', () => {
    assert.ok(tweek('a/*/d')(ev('a/b/c/d')));
    assert.ok(!tweek('a/*/d')(ev('a/b/c/e')));
    assert.ok(tweek('*/c')(ev('a/b/c')));
    assert.ok(!tweek('*/c')(ev('a/b/cd')));
  });

  it('ignores domain and type', () => {
    const m = tweek('a/*');
    assert.ok(m(ev('a/1', 'FEATURE_CREATED', 'Feature')));
    assert.ok(m(ev('a/1', 'CONFIGS_DELETED', 'Config')));
  });

  it('a comma is literal: the key path is one glob', () => {
    const m = tweek('a,b');
    assert.ok(m(ev('a,b')));
    assert.ok(!m(ev('a')));
    assert.ok(!m(ev('b')));
  });

  it('an empty key path matches nothing', () => {
    assert.ok(!tweek('')(ev('')));
    assert.ok(!tweek('')(ev('a')));
    assert.equal(compileKeyPath('').matchesAll, false);
  });

  it('compileKeyPath reports a key path that matches everything', () => {
    assert.equal(compileKeyPath('*').matchesAll, true);
    assert.equal(compileKeyPath('**').matchesAll, true);
    assert.equal(compileKeyPath('a/*').matchesAll, false);
  });
});

describe('hookFilterOf', () => {
  const base: Hook = {
    id: 'h',
    api: 'izanami',
    url: 'https://example.com/hook',
    domains: ['Config'],
    types: ['CONFIG_UPDATED'],
    patterns: ['a:*'],
    keyPath: null,
    headers: {},
    secret: null,
    created: '2026-11-24T11:01:00.469Z',
    isBanned: false,
    disabledReason: null,
    version: '1',
  };

  it('takes domains, types and patterns of an Izanami hook', () => {
    const filter: HookFilter = hookFilterOf(base);
    assert.deepEqual(filter, {
      api: 'izanami',
      domains: ['Config'],
      types: ['CONFIG_UPDATED'],
      patterns: ['a:*'],
    });
  });

  it('takes the keyPath of a Tweek hook, ignoring any Izanami fields', () => {
    const hook: Hook = { ...base, api: 'tweek', keyPath: 'a/b/*' };
    assert.deepEqual(hookFilterOf(hook), { api: 'tweek', keyPath: 'a/b/*' });
    assert.ok(compileHookFilter(hookFilterOf(hook))(ev('a/b/c', 'FEATURE_CREATED', 'Feature')));
  });

  it('a Tweek hook without keyPath matches nothing', () => {
    const m = compileHookFilter(hookFilterOf({ ...base, api: 'tweek', keyPath: null }));
    assert.ok(!m(ev('')));
    assert.ok(!m(ev('a:1')));
  });
});

describe('matchingEvents', () => {
  it('the issue’s commit with hook `a/b/*`: exactly the events of a/b/c and a/b/c/d, in order', () => {
    const commit = [
      { ...ev('a/b/c', 'CONFIG_CREATED'), n: 0 },
      { ...ev('a/b/c/d', 'CONFIG_UPDATED'), n: 1 },
      { ...ev('x/y', 'CONFIG_UPDATED'), n: 2 },
      { ...ev('a/b', 'CONFIG_UPDATED'), n: 3 },
    ];
    const matched = matchingEvents(tweek('a/b/*'), commit);
    assert.deepEqual(
      matched.map((e) => e.n),
      [0, 1],
    );
    assert.equal(matched[0], commit[0]);
  });

  it('is empty when nothing matches (no delivery)', () => {
    assert.deepEqual(matchingEvents(izanami({ domains: ['User'] }), [ev('a'), ev('b')]), []);
  });
});
