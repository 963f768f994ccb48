import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atCleanup } from '../lib/processes.js';
import { type AblationStep, applyPatch } from './steps.js';

export interface Variant {
  readonly name: string;
  /** What it lacks that the step before has (undefined for the relay as built). */
  readonly removes: string | undefined;
  /** Its server entry point. */
  readonly entry: string;
}

/**
 * The relay as built (`<root>/dist`), then one copy of its build per step, each with that step's patches on top
 * of the previous copy's, in a temporary directory removed at exit. A copy gets a package.json saying ES
 * modules and a link to the project's node_modules, so that it runs as the original does.
 */
export function makeVariants(root: string, steps: readonly AblationStep[]): Variant[] {
  const variants: Variant[] = [
    { name: 'relay', removes: undefined, entry: join(root, 'dist/src/server.js') },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'relay-ablation-'));
  atCleanup(() => rmSync(dir, { recursive: true, force: true }));
  let previous = join(root, 'dist');
  for (const [i, step] of steps.entries()) {
    const home = join(dir, `${i + 1}-${step.name}`);
    const dist = join(home, 'dist');
    cpSync(previous, dist, { recursive: true });
    for (const patch of step.patches) {
      const file = join(dist, patch.file);
      writeFileSync(file, applyPatch(readFileSync(file, 'utf8'), patch));
    }
    writeFileSync(join(home, 'package.json'), '{ "type": "module" }\n');
    symlinkSync(join(root, 'node_modules'), join(home, 'node_modules'), 'dir');
    variants.push({ name: step.name, removes: step.removes, entry: join(dist, 'src/server.js') });
    previous = dist;
  }
  return variants;
}
