import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ABLATION_STEPS, applyPatch } from '../../scripts/bench/ablation/steps.js';

// `npm run bench:ablation` patches copies of the built relay; a patch that no longer matches the build must stop
// the run, not measure an unchanged copy under the step's name.

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist');

describe('ablation patches', () => {
  it('replaces the one occurrence of its text', () => {
    const patched = applyPatch('a\n  tail.start();\nb\n', {
      file: 'x.js',
      find: '  tail.start();\n',
      replace: '  // off\n',
    });
    assert.equal(patched, 'a\n  // off\nb\n');
  });

  it('refuses a text that is missing or found more than once, naming the file', () => {
    const patch = { file: 'src/x.js', find: 'tail.start();', replace: '' };
    assert.throws(() => applyPatch('nothing here', patch), /src\/x\.js .*not found/);
    assert.throws(() => applyPatch('tail.start(); tail.start();', patch), /more than once/);
  });

  it('every step applies to the current build, on top of the steps before it', () => {
    assert.ok(
      existsSync(join(dist, 'src/server.js')),
      `no build in ${dist}: npm run build (npm test builds it first)`,
    );
    const files = new Map<string, string>();
    for (const step of ABLATION_STEPS) {
      assert.ok(step.patches.length > 0, step.name);
      for (const patch of step.patches) {
        const before = files.get(patch.file) ?? readFileSync(join(dist, patch.file), 'utf8');
        const after = applyPatch(before, patch);
        assert.notEqual(after, before, `${step.name}: ${patch.file}`);
        files.set(patch.file, after);
      }
    }
  });
});
