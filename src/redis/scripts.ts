import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A Lua script run by EVALSHA, loaded again by EVAL when the server does not know it (after a restart). */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}

function lua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

const appendLib = lua('append-lib');
const tweekLib = lua('tweek-lib');

/** The relay's scripts; each carries the shared libraries it uses (appending events, listing Tweek hooks). */
export const SCRIPTS = Object.freeze({
  append: new LuaScript(`${appendLib}\n${lua('append')}`),
  writeRecord: new LuaScript(`${appendLib}\n${lua('write-record')}`),
  writeHook: new LuaScript(`${appendLib}\n${tweekLib}\n${lua('write-hook')}`),
  tweekHooks: new LuaScript(`${tweekLib}\n${lua('tweek-hooks')}`),
});
