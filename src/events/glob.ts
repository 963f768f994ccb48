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

export function splitPatterns(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * Matches one glob, split on `*` into its literal parts, against a key: the first part is a prefix, the last a
 * suffix, and each part between is found leftmost after the previous one. Linear in the key per part, whatever
 * the glob: a regex built from a client's glob (`*a*a*a…*b`) backtracks for minutes on a long key.
 */
function matchParts(parts: readonly string[], key: string): boolean {
  const first = parts[0] as string;
  if (parts.length === 1) return key === first;
  const last = parts[parts.length - 1] as string;
  if (key.length < first.length + last.length || !key.startsWith(first) || !key.endsWith(last)) return false;
  const end = key.length - last.length;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const found = key.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

export function compileGlobs(globs: readonly string[]): KeyMatcher {
  const unique = [...new Set(globs.map((g) => g.replace(/\*+/g, '*')))].sort();
  if (unique.length === 0 || unique.includes('*')) {
    return { globs: ['*'], matchesAll: true, test: () => true };
  }
  const split = unique.map((glob) => glob.split('*'));
  return { globs: unique, matchesAll: false, test: (key) => split.some((parts) => matchParts(parts, key)) };
}

export function compilePatterns(text: string | undefined): KeyMatcher {
  return compileGlobs(splitPatterns(text));
}
