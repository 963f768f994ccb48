import { RelayError } from '../errors/catalogue.js';
import { type Domain, isEventType, parseDomain } from './catalogue.js';
import { compileGlobs, type KeyMatcher, splitPatterns } from './glob.js';

/** What a listener receives: an event passes if every part of the filter lets it through. */
export interface EventFilter {
  /** null: every domain. */
  readonly domains: ReadonlySet<Domain> | null;
  /** null: every type. */
  readonly types: ReadonlySet<string> | null;
  /** The patterns the listener asked for. */
  readonly patterns: KeyMatcher;
  /** The patterns its key is allowed to see. */
  readonly authorized: KeyMatcher;
  /** Equal for equal filters, so listeners with the same filter are matched once per event. */
  readonly signature: string;
}

export interface FilterRequest {
  /** Comma-separated domain names (the `domains` query parameter). */
  readonly domains?: string | undefined;
  /** A domain from the path (`/api/events/{domain}`): narrows `domains`. */
  readonly pathDomain?: string | undefined;
  readonly types?: string | undefined;
  readonly patterns?: string | undefined;
  /** The key's authorized pattern. */
  readonly authorizedPattern: string;
}

function parseDomains(text: string | undefined, into: Set<Domain>): void {
  for (const name of splitPatterns(text)) {
    const domain = parseDomain(name);
    if (!domain) throw new RelayError('RELAY_ERR_UNKNOWN_DOMAIN', `Unknown domain: ${name}`);
    into.add(domain);
  }
}

/** Builds a filter from a listener's request; an unknown domain or type is a 400. */
export function buildFilter(request: FilterRequest): EventFilter {
  let domains: Set<Domain> | null = null;
  const listed = new Set<Domain>();
  parseDomains(request.domains, listed);
  if (request.pathDomain !== undefined) {
    const only = new Set<Domain>();
    parseDomains(request.pathDomain, only);
    domains = listed.size === 0 ? only : new Set([...only].filter((d) => listed.has(d)));
  } else if (listed.size > 0) {
    domains = listed;
  }
  let types: Set<string> | null = null;
  const typeNames = splitPatterns(request.types);
  if (typeNames.length > 0) {
    types = new Set();
    for (const type of typeNames) {
      if (!isEventType(type)) throw new RelayError('RELAY_ERR_UNKNOWN_TYPE', `Unknown event type: ${type}`);
      types.add(type);
    }
  }
  const patterns = compileGlobs(splitPatterns(request.patterns));
  const authorized = compileGlobs(splitPatterns(request.authorizedPattern));
  const signature = JSON.stringify([
    domains ? [...domains].sort() : null,
    types ? [...types].sort() : null,
    patterns.globs,
    authorized.globs,
  ]);
  return { domains, types, patterns, authorized, signature };
}

export interface Filterable {
  readonly domain: Domain;
  readonly type: string;
  readonly key: string;
}

export function matchesFilter(filter: EventFilter, event: Filterable): boolean {
  return (
    (filter.domains === null || filter.domains.has(event.domain)) &&
    (filter.types === null || filter.types.has(event.type)) &&
    filter.patterns.test(event.key) &&
    filter.authorized.test(event.key)
  );
}
