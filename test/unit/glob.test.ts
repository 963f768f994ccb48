import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlobs, compilePatterns, splitPatterns } from '../../src/events/glob.js';

// CONTRACT.md, Listening: comma-separated globs, `*` matching any characters (`:` and `/` included),
// anchored, other characters literal. No patterns: `*`.

function matches(patterns: string, key: string): boolean {
  return compilePatterns(patterns).test(key);
}

describe('splitPatterns', () => {
  it('splits on commas and trims each glob', () => {
    assert.deepEqual(splitPatterns('a:*, b/* ,c'), ['a:*', 'b/*', 'c']);
  });

  it('drops empty entries', () => {
    assert.deepEqual(splitPatterns(',a,,b,'), ['a', 'b']);
    assert.deepEqual(splitPatterns(' , '), []);
    assert.deepEqual(splitPatterns(''), []);
  });

  it('is empty for no value at all', () => {
    assert.deepEqual(splitPatterns(undefined), []);
  });

  it('keeps inner spaces, which are literal characters of a key', () => {
    assert.deepEqual(splitPatterns(' my key ,x'), ['my key', 'x']);
  });
});

describe('`*`', () => {
  it('matches any run of characters, none included', () => {
    assert.ok(matches('demo:*', 'demo:'));
    assert.ok(matches('demo:*', 'demo:title'));
    assert.ok(matches('*:title', 'demo:title'));
    assert.ok(matches('a*b', 'ab'));
    assert.ok(matches('a*b', 'a-anything-b'));
  });

  it('crosses `:` and `/`', () => {
    assert.ok(matches('demo:*', 'demo:a:b:c'));
    assert.ok(matches('a/*', 'a/b/c/d'));
    assert.ok(matches('a*d', 'a:b/c:d'));
    assert.ok(matches('*', 'x/y:z'));
  });

  it('crosses line breaks and other unusual characters in keys', () => {
    assert.ok(matches('a*b', 'a\nb'));
    assert.ok(matches('a*b', 'a\r\n\u2028b'));
    assert.ok(matches('a*', 'aé漢字🙂'));
  });

  it('several stars in one glob', () => {
    assert.ok(matches('*:*:*', 'a:b:c'));
    assert.ok(matches('*:*:*', '::'));
    assert.ok(!matches('*:*:*', 'a:b'));
    assert.ok(matches('a**b', 'axxb'));
    assert.ok(matches('a**b', 'ab'));
  });

  it('the empty key matches `*` but no literal glob', () => {
    assert.ok(matches('*', ''));
    assert.ok(!matches('a', ''));
    assert.ok(!matches('a*', ''));
  });
});

describe('anchoring', () => {
  it('a glob without `*` matches the exact key only', () => {
    assert.ok(matches('demo:title', 'demo:title'));
    assert.ok(!matches('demo:title', 'demo:title2'));
    assert.ok(!matches('demo:title', 'xdemo:title'));
    assert.ok(!matches('demo:title', 'demo:titl'));
  });

  it('a glob is anchored at both ends', () => {
    assert.ok(!matches('demo:*', 'x-demo:title'));
    assert.ok(!matches('*:title', 'demo:title:x'));
    assert.ok(!matches('a*b', 'a-b-c'));
  });

  it('is case-sensitive', () => {
    assert.ok(!matches('Demo:*', 'demo:title'));
  });

  it('an anchored match cannot be escaped with a line break', () => {
    // `$` without the m flag would not stop at an inner line break, but make sure nothing treats lines apart
    assert.ok(!matches('demo', 'demo\nother'));
    assert.ok(!matches('demo', 'other\ndemo'));
  });
});

describe('every character other than `*` is literal', () => {
  const special = ['.', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\', '-', '/', '!', '#'];
  for (const ch of special) {
    it(`${JSON.stringify(ch)} matches itself and nothing else`, () => {
      const glob = `a${ch}b`;
      assert.ok(matches(glob, `a${ch}b`));
      assert.ok(!matches(glob, 'axb'), `${glob} must not match axb`);
      assert.ok(!matches(glob, 'ab'), `${glob} must not match ab`);
      assert.ok(!matches(glob, `a${ch}${ch}b`), `${glob} must not match a doubled character`);
    });
  }

  it('regex syntax in a glob is not interpreted', () => {
    assert.ok(!matches('a.*', 'abc'), '`.` is literal, so a.* needs a dot');
    assert.ok(matches('a.*', 'a.bc'));
    assert.ok(!matches('a+', 'aaa'));
    assert.ok(!matches('[ab]', 'a'));
    assert.ok(matches('[ab]', '[ab]'));
    assert.ok(!matches('a{2}', 'aa'));
    assert.ok(matches('a{2}', 'a{2}'));
    assert.ok(!matches('a|b', 'a'));
    assert.ok(matches('a|b', 'a|b'));
    assert.ok(!matches('(a)?', ''));
    assert.ok(!matches('^a$', 'a'));
    assert.ok(matches('^a$', '^a$'));
    assert.ok(matches('a\\d', 'a\\d'));
    assert.ok(!matches('a\\d', 'a1'));
    assert.ok(!matches('?', 'x'));
  });

  it('a glob that would be an invalid regex compiles fine', () => {
    for (const glob of ['(', ')', '[', '\\', 'a(*', '*[*', '{*}']) {
      assert.doesNotThrow(() => compilePatterns(glob), glob);
    }
    assert.ok(matches('a(*', 'a(bc'));
    assert.ok(matches('*[*', 'x[y'));
  });
});

describe('lists', () => {
  it('a key matches if any glob of the list matches', () => {
    const m = compilePatterns('demo:*,other:title');
    assert.ok(m.test('demo:x'));
    assert.ok(m.test('other:title'));
    assert.ok(!m.test('other:x'));
    assert.ok(!m.test('nothing'));
  });

  it('whitespace around globs is ignored', () => {
    const m = compilePatterns('  demo:* ,   other:title  ');
    assert.ok(m.test('demo:x'));
    assert.ok(m.test('other:title'));
    assert.ok(!m.test(' other:title'));
  });

  it('alternation does not leak across globs (each is anchored on its own)', () => {
    const m = compilePatterns('a,b');
    assert.ok(m.test('a'));
    assert.ok(m.test('b'));
    assert.ok(!m.test('ab'));
    assert.ok(!m.test('a,b'));
  });

  it('an empty list means `*`', () => {
    for (const text of [undefined, '', ' ', ',', ' , ,']) {
      const m = compilePatterns(text);
      assert.equal(m.matchesAll, true, JSON.stringify(text));
      assert.deepEqual(m.globs, ['*']);
      assert.ok(m.test('anything:at/all'));
      assert.ok(m.test(''));
    }
    assert.equal(compileGlobs([]).matchesAll, true);
  });

  it('a list holding `*` matches everything', () => {
    const m = compilePatterns('demo:*,*');
    assert.equal(m.matchesAll, true);
    assert.deepEqual(m.globs, ['*']);
    assert.ok(m.test('zzz'));
    assert.equal(compilePatterns('**').matchesAll, true);
  });

  it('a list without a bare `*` does not claim to match everything', () => {
    assert.equal(compilePatterns('*:*').matchesAll, false);
    assert.equal(compilePatterns('a').matchesAll, false);
  });
});

describe('normalized globs', () => {
  it('are sorted, without duplicates, with runs of stars collapsed', () => {
    assert.deepEqual(compilePatterns('b, a, b, c***d').globs, ['a', 'b', 'c*d']);
  });

  it('are equal for equal lists given in any order or spacing', () => {
    assert.deepEqual(compilePatterns('x:*, a , y').globs, compilePatterns('y,a,x:*,a').globs);
  });

  it('collapsing stars does not change what matches', () => {
    for (const key of ['cd', 'cxd', 'c::d', 'c', 'dc']) {
      assert.equal(matches('c***d', key), matches('c*d', key), key);
    }
  });

  it('compileGlobs takes globs as given, without splitting on commas', () => {
    const m = compileGlobs(['a,b']);
    assert.ok(m.test('a,b'));
    assert.ok(!m.test('a'));
  });
});

describe('cost', () => {
  it('does not backtrack catastrophically on many stars (a client chooses the glob)', () => {
    // As a regex, `^.*a.*a….*b$` takes minutes on a key of a few dozen `a`s: every listener's matcher runs on
    // every event, so one such `patterns=` would stall the whole process.
    const glob = `${'*a'.repeat(20)}*b`;
    const key = 'a'.repeat(5000);
    const started = process.hrtime.bigint();
    assert.equal(matches(glob, key), false);
    assert.equal(matches(glob, `${key}b`), true);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});

/** The definition, by dynamic programming over (glob position, key position): slow but plainly right. */
function reference(glob: string, key: string): boolean {
  let row = new Array<boolean>(key.length + 1).fill(false);
  row[0] = true;
  for (const g of glob) {
    const next = new Array<boolean>(key.length + 1).fill(false);
    if (g === '*') {
      next[0] = row[0] as boolean;
      for (let k = 1; k <= key.length; k++) next[k] = (row[k] as boolean) || (next[k - 1] as boolean);
    } else {
      for (let k = 1; k <= key.length; k++) next[k] = (row[k - 1] as boolean) && key[k - 1] === g;
    }
    row = next;
  }
  return row[key.length] as boolean;
}

describe('agrees with the definition', () => {
  it('on thousands of generated globs and keys', () => {
    let seed = 20261124;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (alphabet: string, max: number) =>
      Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join('');
    let positives = 0;
    for (let i = 0; i < 5000; i++) {
      const glob = word('ab:*', 7);
      const key = word('ab:', 9);
      const expected = reference(glob, key);
      // one glob at a time, as given (splitPatterns would drop an empty one)
      assert.equal(
        compileGlobs([glob]).test(key),
        expected,
        `${JSON.stringify(glob)} vs ${JSON.stringify(key)}`,
      );
      if (expected) positives++;
    }
    assert.ok(positives > 500, `the generated cases should include matches (${positives})`);
  });

  it('a list matches exactly when one of its globs does', () => {
    const globs = ['a*b', '*:x', 'ab', 'b*a*b'];
    for (const key of ['ab', 'a:b', 'q:x', 'b:a:b', 'ba', 'x', 'aab', 'bab']) {
      const expected = globs.some((g) => reference(g, key));
      assert.equal(compileGlobs(globs).test(key), expected, key);
    }
  });
});
