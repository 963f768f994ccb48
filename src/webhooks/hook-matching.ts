import type { Domain } from '../events/catalogue.js';
import type { Filterable } from '../events/filter.js';
import { compileGlobs, type KeyMatcher, splitPatterns } from '../events/glob.js';
import type { Hook } from './hook.js';

/**
 * Which events of a commit a hook gets (CONTRACT.md, Webhooks — Izanami API: filters; Hooks — Tweek API:
 * `keyPath` matching). Compiled once per hook version, then applied to every event the dispatcher reads.
 * Whether the hook may see an event at all (its owner's rights) is decided elsewhere.
 */

/** An Izanami webhook's filter: domains AND types AND patterns; an empty list restricts nothing. */
export interface IzanamiHookFilter {
  readonly api: 'izanami';
  readonly domains: readonly Domain[];
  readonly types: readonly string[];
  /** Globs, ORed. An entry may itself be a comma-separated list, as patterns are everywhere else. */
  readonly patterns: readonly string[];
}

/** A Tweek hook's filter: one key path glob. */
export interface TweekHookFilter {
  readonly api: 'tweek';
  readonly keyPath: string;
}

export type HookFilter = IzanamiHookFilter | TweekHookFilter;

/** Whether one event goes to the hook. */
export type HookMatcher = (event: Filterable) => boolean;

/** The filter part of a stored hook; a Tweek hook without a keyPath matches nothing. */
export function hookFilterOf(
  hook: Pick<Hook, 'api' | 'domains' | 'types' | 'patterns' | 'keyPath'>,
): HookFilter {
  if (hook.api === 'tweek') return { api: 'tweek', keyPath: hook.keyPath ?? '' };
  return { api: 'izanami', domains: hook.domains, types: hook.types, patterns: hook.patterns };
}

/**
 * A Tweek `keyPath` as a matcher: `*` matches any run of characters, `/` included, so at any depth, and every
 * other character is literal; the whole key must match. `a/b/*` matches `a/b/c` and `a/b/c/d`, not `a/b`. As
 * in the relay's other globs, `*` may match nothing, so `a/b/*` also matches the key `a/b/` (a Tweek key
 * never ends with `/`; the relay does not special-case it). Without `*` the key path must equal the key. The
 * key path is one glob: a comma in it is literal. An empty key path matches nothing.
 */
export function compileKeyPath(keyPath: string): KeyMatcher {
  if (keyPath.length === 0) return { globs: [], matchesAll: false, test: () => false };
  return compileGlobs([keyPath]);
}

function compileIzanami(filter: IzanamiHookFilter): HookMatcher {
  const domains: ReadonlySet<string> | null = filter.domains.length > 0 ? new Set(filter.domains) : null;
  const types: ReadonlySet<string> | null = filter.types.length > 0 ? new Set(filter.types) : null;
  const patterns = compileGlobs(filter.patterns.flatMap((p) => splitPatterns(p)));
  if (domains === null && types === null && patterns.matchesAll) return () => true;
  return (event) =>
    (domains === null || domains.has(event.domain)) &&
    (types === null || types.has(event.type)) &&
    patterns.test(event.key);
}

/**
 * Compiles a hook's filter into a matcher. Izanami: the event's domain is one of `domains`, its type one of
 * `types`, and its key matches one of `patterns` (empty lists, and blank patterns, restrict nothing). Tweek:
 * its key matches `keyPath` (compileKeyPath), whatever its domain or type.
 */
export function compileHookFilter(filter: HookFilter): HookMatcher {
  if (filter.api === 'izanami') return compileIzanami(filter);
  const keyPath = compileKeyPath(filter.keyPath);
  return (event) => keyPath.test(event.key);
}

/** The events of a commit that go to a hook, in commit order; empty when none does (no delivery). */
export function matchingEvents<E extends Filterable>(matcher: HookMatcher, events: readonly E[]): E[] {
  return events.filter((event) => matcher(event));
}
