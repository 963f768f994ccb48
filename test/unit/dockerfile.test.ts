import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import ts from 'typescript';
import { loadConfig } from '../../src/config/config.js';
import { parseDuration } from '../../src/config/duration.js';
import {
  envAssignments,
  execForm,
  type Instruction,
  interpolate,
  parseDockerfile,
  parseYamlSubset,
  type Stage,
  type YamlValue,
} from '../helpers/container-files.js';

/**
 * The container files as the issue asks for them, read from the files themselves: a multi-stage Dockerfile
 * whose final stage has production dependencies only, runs as a non-root user, checks /health, stops on
 * SIGTERM and starts an entry point the build emits; a docker-compose.yml with Redis (AOF), a relay and a
 * worker whose environment passes the relay's own configuration validation.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const dockerfileText = read('Dockerfile');
const stages = parseDockerfile(dockerfileText);
const build = stages[0] as Stage;
const final = stages[stages.length - 1] as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `one ${keyword} in stage ${stage.name}`);
  return found[0] as Instruction;
};
/** The final stage's environment (ENV), as the container starts with it. */
const imageEnv = Object.assign({}, ...all(final, 'ENV').map((i) => envAssignments(i.args))) as Record<
  string,
  string
>;

/** What `npm run build` emits: tsc's outputs for tsconfig.build.json, relative to the repository root. */
function emittedFiles(): Set<string> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  assert.ok(parsed, 'tsconfig.build.json parses');
  assert.deepEqual(parsed.errors, []);
  return new Set(
    parsed.fileNames.flatMap((f) =>
      ts
        .getOutputFileNames(parsed, f, false)
        .map((out) => resolve(out).slice(root.length).replace(/^\//, '')),
    ),
  );
}

/** `node [node options] <script> …` → the script. */
function nodeScript(command: readonly string[]): string {
  assert.equal(command[0], 'node', `runs node directly (exec form, PID 1 gets the signals): ${command}`);
  const script = command.slice(1).find((a) => !a.startsWith('-'));
  assert.ok(script, `a script in ${command}`);
  return script;
}

describe('Dockerfile', () => {
  it('passes dockerfile-utils validation with no error and no warning', () => {
    assert.deepEqual(
      validate(dockerfileText).map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
      [],
    );
  });

  it('is multi-stage: the final stage copies the build output from the build stage, not its node_modules', () => {
    assert.ok(stages.length >= 2, 'at least two stages');
    assert.ok(build.name, 'the build stage is named');
    assert.equal(final.image, build.image, 'the same base image, so native modules match');
    const fromBuild = all(final, 'COPY').filter((c) => c.flags.from !== undefined);
    assert.deepEqual(
      fromBuild.map((c) => [c.flags.from, c.args]),
      [[build.name, '/app/dist dist']],
      'only dist/ comes from the build stage',
    );
    assert.equal(one(build, 'WORKDIR').args, '/app');
    assert.equal(one(final, 'WORKDIR').args, '/app');
    assert.ok(
      all(build, 'RUN').some((r) => r.args === 'npm run build'),
      'the build stage runs `npm run build`',
    );
  });

  it('copies into the build stage everything `npm run build` reads', () => {
    const copied = all(build, 'COPY').flatMap((c) => {
      const parts = c.args.split(/\s+/);
      return parts.slice(0, -1);
    });
    const isCopied = (path: string) =>
      copied.some((c) => path === c || path.startsWith(`${c.replace(/\/$/, '')}/`));
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { extends?: string; include: string[] };
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      ...(buildConfig.extends ? [buildConfig.extends.replace(/^\.\//, '')] : []),
      ...buildConfig.include,
      'scripts/copy-assets.mjs',
      // the assets copy-assets.mjs copies next to the JavaScript (Lua scripts, console files)
      ...[...read('scripts/copy-assets.mjs').matchAll(/cpSync\('([^']+)'/g)].map((m) => m[1] as string),
    ];
    assert.ok(needed.length > 6, 'copy-assets.mjs copies something');
    assert.deepEqual(
      needed.filter((p) => !isCopied(p)),
      [],
      'every input of the build is copied into the build stage',
    );
    const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    assert.match(
      packageJson.scripts.build ?? '',
      /tsc -p tsconfig\.build\.json && node scripts\/copy-assets\.mjs/,
    );
  });

  it('installs production dependencies only in the final stage', () => {
    const installs = all(final, 'RUN').filter((r) => /\bnpm (ci|install|i)\b/.test(r.args));
    assert.equal(installs.length, 1, 'one npm install in the final stage');
    assert.match(installs[0]?.args ?? '', /\bnpm ci\b.*--omit=dev\b/);
    assert.equal(imageEnv.NODE_ENV, 'production');
  });

  it('runs as a non-root user', () => {
    const users = all(final, 'USER');
    const user = users[users.length - 1];
    assert.ok(user, 'a USER in the final stage');
    assert.ok(!['root', '0', '0:0'].includes(user.args.trim()), `USER ${user.args}`);
    const cmd = one(final, 'CMD');
    assert.ok(user.line < cmd.line, 'USER comes before CMD');
    assert.ok(
      all(final, 'RUN').every((r) => r.line < user.line),
      'nothing runs after switching user that would need root',
    );
  });

  it('checks /health with the HEALTHCHECK, in exec form, with valid options', () => {
    const check = one(final, 'HEALTHCHECK');
    assert.ok(check.args.startsWith('CMD '), 'HEALTHCHECK CMD …');
    const command = execForm(check.args.slice('CMD '.length));
    assert.ok(command, 'exec form: no shell needed in the image');
    assert.equal(command[0], 'node', 'node is in the image; curl and wget are not');
    const script = command.join(' ');
    assert.match(script, /127\.0\.0\.1/);
    assert.match(script, /\/health\b/);
    assert.match(script, /process\.env\.PORT/, 'follows PORT when it is changed');
    assert.deepEqual(Object.keys(check.flags).sort(), ['interval', 'retries', 'start-period', 'timeout']);
    for (const name of ['interval', 'start-period', 'timeout']) {
      assert.ok(parseDuration(check.flags[name] as string), `--${name}=${check.flags[name]}`);
    }
    assert.match(check.flags.retries ?? '', /^[1-9][0-9]*$/);
  });

  it('stops with SIGTERM, documented, and the processes handle it', () => {
    const stop = one(final, 'STOPSIGNAL');
    assert.equal(stop.args, 'SIGTERM');
    assert.ok(
      [...stop.comments, ...one(final, 'CMD').comments].some((c) => /SIGTERM/.test(c)),
      'a comment says what SIGTERM does',
    );
    // exec form: node is PID 1 and receives the signal itself (a shell form would not pass it on)
    assert.ok(execForm(one(final, 'CMD').args), 'CMD in exec form');
    assert.match(read('src/runtime/process-lifecycle.ts'), /process\.on\('SIGTERM'/);
  });

  it('starts an entry point that `npm run build` emits', () => {
    const command = execForm(one(final, 'CMD').args) as string[];
    const script = nodeScript(command);
    assert.ok(emittedFiles().has(script), `${script} is among the build's outputs`);
    assert.equal(imageEnv.PORT, '9000');
    assert.equal(one(final, 'EXPOSE').args, imageEnv.PORT);
  });

  it('keeps node_modules, dist and the embedded Redis data out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const path of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(path), path);
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYamlSubset(read('docker-compose.yml')) as { services: Record<string, YamlValue> };
  const service = (name: string) => {
    const s = compose.services[name];
    assert.ok(s && typeof s === 'object' && !Array.isArray(s), `service ${name}`);
    return s as Record<string, YamlValue>;
  };
  const environment = (name: string, vars: Record<string, string>) => {
    const env = service(name).environment as Record<string, string>;
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, vars)]));
  };
  /** What the operator sets before `docker compose up`, per the file's header. */
  const operator = { RELAY_ADMIN_CLIENT_SECRET: 'a-secret-of-24-characters' };

  it('has the services redis, relay and worker', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['redis', 'relay', 'worker']);
  });

  it('runs Redis with AOF (fsync always), no eviction, a volume and a health check', () => {
    const redis = service('redis');
    assert.match(redis.image as string, /^redis:/);
    const args = (redis.command as string[]).join(' ');
    assert.match(args, /--appendonly yes\b/);
    assert.match(args, /--appendfsync always\b/);
    assert.match(args, /--maxmemory-policy noeviction\b/);
    assert.deepEqual(redis.volumes, ['redis-data:/data']);
    assert.ok('redis-data' in (compose as unknown as { volumes: object }).volumes, 'a named volume');
    assert.ok(redis.healthcheck, 'a health check, so the others wait for it');
  });

  for (const name of ['relay', 'worker']) {
    it(`${name}: built from this Dockerfile, waits for Redis, and its environment passes the config validation`, () => {
      const s = service(name);
      assert.equal(s.build, '.');
      assert.deepEqual(s.depends_on, { redis: { condition: 'service_healthy' } });
      const env = environment(name, operator);
      assert.equal(env.REDIS_URL, 'redis://redis:6379', 'the compose Redis, by its service name');
      const config = loadConfig({ ...imageEnv, ...env });
      assert.equal(
        config.redisUrl,
        'redis://redis:6379',
        'no embedded Redis (the image has no redis-server)',
      );
      assert.deepEqual(config.admin, {
        clientId: 'admin',
        clientSecret: operator.RELAY_ADMIN_CLIENT_SECRET,
      });
      // NODE_ENV=production (the image) requires the admin key: compose refuses to start without the secret
      assert.throws(() => environment(name, {}), /RELAY_ADMIN_CLIENT_SECRET/);
      assert.throws(
        () => loadConfig({ ...imageEnv, ...env, RELAY_ADMIN_CLIENT_SECRET: '' }),
        /RELAY_ADMIN_CLIENT_SECRET/,
      );
      // docker's SIGKILL comes after stop_grace_period: leave the whole shutdown time (timeout + 5 s)
      const grace = parseDuration(String(s.stop_grace_period));
      assert.ok(
        grace !== undefined && grace >= config.shutdownTimeoutMs + 5000,
        `stop_grace_period ${grace}`,
      );
    });
  }

  it('relay runs the image CMD; worker runs a worker entry point the build emits', () => {
    assert.equal(service('relay').command, undefined, 'the image CMD: the relay role');
    const script = nodeScript(service('worker').command as string[]);
    assert.match(script, /^dist\/workers\//);
    assert.ok(emittedFiles().has(script), `${script} is among the build's outputs`);
    assert.ok(existsSync(join(root, script.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), 'its source');
  });
});
