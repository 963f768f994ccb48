/**
 * Key patterns: comma-separated globs where `*` matches any run of characters (`:` and `/` included), every
 * other character is literal, and each glob is anchored at both ends. An empty list means `*`.
 */
export interface KeyMatcher {
  /** The normalized globs, `*` alone for "everything". */
  readonly globs: readonly string[];
  readonly matchesAll: boolean;
  test(key: string): boolean;
}

const REGEX_SPECIAL = /[.+?^${}()|[\]\\]/g;

export function splitPatterns(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function globToRegexSource(glob: string): string {
  return glob
    .split('*')
    .map((part) => part.replace(REGEX_SPECIAL, '\\$&'))
    .join('.*');
}

export function compileGlobs(globs: readonly string[]): KeyMatcher {
  const unique = [...new Set(globs.map((g) => g.replace(/\*+/g, '*')))].sort();
  if (unique.length === 0 || unique.includes('*')) {
    return { globs: ['*'], matchesAll: true, test: () => true };
  }
  const regex = new RegExp(`^(?:${unique.map(globToRegexSource).join('|')})$`, 's');
  return { globs: unique, matchesAll: false, test: (key) => regex.test(key) };
}

export function compilePatterns(text: string | undefined): KeyMatcher {
  return compileGlobs(splitPatterns(text));
}
