import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configEvent, waitUntil, within } from '../helpers/e2e-kit.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { runLog } from '../helpers/run-record.js';
import { openSse } from '../helpers/sse-client.js';
import { type Credentials, keyHeaders, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

/**
 * The command-line client (`npm run tail`, `npm run publish`) run as real child processes against an
 * in-process relay: publishing, a readable live tail, a tail that resumes across a relay restart missing
 * nothing, and the exit codes for bad arguments (2) and refused credentials (1).
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const TAIL = 'src/cli/tail-main.ts';
const PUBLISH = 'src/cli/publish-main.ts';

interface CliRun {
  readonly child: ChildProcess;
  /** stdout lines so far (complete lines only). */
  lines(): string[];
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exit: Promise<number | null>;
}

const running = new Set<ChildProcess>();

function runCli(
  entry: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of ['RELAY_URL', 'RELAY_CLIENT_ID', 'RELAY_CLIENT_SECRET']) {
    if (!options.env || !(name in options.env)) delete env[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  // the CLI's diagnostics are its log: during `npm test` they join the run's record (run-record.ts)
  const log = runLog(`cli-${basename(entry)}`);
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => log.write(line));
  child.stdin?.end(options.stdin ?? '');
  const exit = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    lines: () => out.split('\n').slice(0, -1),
    stderr: () => err,
    exit,
  };
}

function credentialArgs(relay: TestRelay, secret = relay.admin.clientSecret): string[] {
  // `=`: a secret may start with `-` (the test relay's admin secret is random base64url), which would read as an option
  return ['--url', relay.baseUrl, `--client-id=${relay.admin.clientId}`, `--client-secret=${secret}`];
}

interface StoredEvent {
  readonly _id: number;
  readonly type: string;
  readonly key: string;
  readonly payload: unknown;
  readonly timestamp: string;
}

async function publishOne(
  relay: TestRelay,
  body: Record<string, unknown>,
  as: Credentials = relay.admin,
): Promise<StoredEvent> {
  const res = await relay.request('/api/events', { method: 'POST', json: body, as });
  assert.equal(res.status, 201, await res.clone().text());
  const { events } = (await res.json()) as { events: StoredEvent[] };
  return events[0]!;
}

function readable(e: StoredEvent): string {
  return `${e.timestamp} ${e.type} ${e.key} ${JSON.stringify(e.payload)}`;
}

describe('command-line client', () => {
  let redis: TestRedis;
  let relay: TestRelay;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url);
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await relay?.stop();
    await redis?.stop();
  });

  it('publish prints the stored _id, and the event is in the stream', async () => {
    const run = runCli(PUBLISH, [
      ...credentialArgs(relay),
      '--type',
      'CONFIG_UPDATED',
      '--key',
      'clipub:title',
      '--payload',
      '{"id":"clipub:title","value":"x"}',
      '--old-value',
      '{"id":"clipub:title","value":"y"}',
    ]);
    assert.equal(await within(run.exit, 30_000, 'publish'), 0, run.stderr());
    const [line, ...rest] = run.lines();
    assert.deepEqual(rest, []);
    assert.match(line ?? '', /^[0-9]+$/);
    const id = Number(line);

    const sse = await openSse(
      `${relay.baseUrl}/api/events?patterns=clipub:*&lastEventId=0`,
      keyHeaders(relay.admin),
    );
    try {
      await sse.waitFor((c) => c.events().some((e) => e._id === id), 15_000);
      const stored = sse.events().find((e) => e._id === id)!;
      assert.equal(stored.type, 'CONFIG_UPDATED');
      assert.equal(stored.key, 'clipub:title');
      assert.deepEqual(stored.payload, { id: 'clipub:title', value: 'x' });
      assert.deepEqual(stored.oldValue, { id: 'clipub:title', value: 'y' });
    } finally {
      sse.close();
    }
  });

  it('publish --file - sends a commit from stdin, credentials from the environment, and prints every _id', async () => {
    const commit = {
      author: { name: 'cli', email: 'cli@example.test' },
      events: [1, 2].map((n) => configEvent('clifile', n)),
    };
    const run = runCli(PUBLISH, ['--file', '-', '--idempotency-key', 'cli-commit-1'], {
      env: {
        RELAY_URL: relay.baseUrl,
        RELAY_CLIENT_ID: relay.admin.clientId,
        RELAY_CLIENT_SECRET: relay.admin.clientSecret,
      },
      stdin: JSON.stringify(commit),
    });
    assert.equal(await within(run.exit, 30_000, 'publish'), 0, run.stderr());
    const ids = run.lines().map(Number);
    assert.equal(ids.length, 2);
    assert.equal(ids[1], ids[0]! + 1, 'a commit has consecutive ids');
  });

  it('tail prints published events as readable lines, replayed and live', async () => {
    const first = await publishOne(relay, configEvent('clitail', 1));
    const run = runCli(TAIL, [
      ...credentialArgs(relay),
      '--domains',
      'Config',
      '--patterns',
      'clitail:*',
      '--last-event-id',
      '0',
      '--max-events',
      '3',
    ]);
    await waitUntil(
      () => run.lines().length >= 1 || run.child.exitCode !== null,
      'the replayed event',
      30_000,
    );
    const live = [
      await publishOne(relay, configEvent('clitail', 2)),
      await publishOne(relay, configEvent('clitail', 3)),
    ];
    assert.equal(await within(run.exit, 30_000, 'tail --max-events 3'), 0, run.stderr());
    assert.deepEqual(run.lines(), [first, ...live].map(readable));
    assert.ok(!run.stderr().includes(relay.admin.clientSecret), 'the secret is never printed');
  });

  it('tail --json prints the event JSON as sent', async () => {
    const e = await publishOne(relay, configEvent('clijson', 1));
    const run = runCli(TAIL, [
      ...credentialArgs(relay),
      '--patterns',
      'clijson:*',
      '--last-event-id',
      '0',
      '--max-events',
      '1',
      '--json',
    ]);
    assert.equal(await within(run.exit, 30_000, 'tail --json'), 0, run.stderr());
    assert.equal(run.lines().length, 1);
    assert.deepEqual(JSON.parse(run.lines()[0]!), e);
  });

  it('bad arguments exit 2 without contacting the relay', async () => {
    const creds = credentialArgs(relay);
    const cases: Array<[string, string[]]> = [
      [TAIL, [...creds, '--max-events', 'many']],
      [TAIL, [...creds, '--last-event-id', '12-0']],
      [TAIL, [...creds, '--no-such-flag']],
      [TAIL, ['--url', relay.baseUrl]],
      [PUBLISH, [...creds, '--type', 'CONFIG_UPDATED', '--key', 'k', '--payload', '{not json']],
      [PUBLISH, [...creds, '--key', 'k', '--payload', '{}']],
      [PUBLISH, [...creds, '--file', 'commit.json', '--type', 'CONFIG_UPDATED']],
      [PUBLISH, [...creds, '--file', '/nonexistent/commit.json']],
      [
        PUBLISH,
        [...creds, '--url', 'ftp://127.0.0.1/', '--type', 'CONFIG_UPDATED', '--key', 'k', '--payload', '{}'],
      ],
    ];
    const runs = cases.map(([entry, args]) => runCli(entry, args));
    for (const [i, run] of runs.entries()) {
      assert.equal(await within(run.exit, 30_000, `case ${i}`), 2, `case ${i}: ${run.stderr()}`);
      assert.match(run.stderr(), /usage:/, `case ${i}`);
    }
  });

  it('wrong credentials exit 1 with the error code, never printing the secret', async () => {
    const wrong = 'not-the-secret-1234';
    const tail = runCli(TAIL, [...credentialArgs(relay, wrong), '--patterns', 'cliauth:*']);
    const pub = runCli(PUBLISH, [
      ...credentialArgs(relay, wrong),
      '--type',
      'CONFIG_UPDATED',
      '--key',
      'cliauth:k',
      '--payload',
      'null',
    ]);
    assert.equal(await within(tail.exit, 30_000, 'tail'), 1);
    assert.equal(await within(pub.exit, 30_000, 'publish'), 1);
    for (const run of [tail, pub]) {
      assert.match(run.stderr(), /RELAY_ERR_UNAUTHENTICATED/);
      assert.ok(!run.stderr().includes(wrong));
      assert.deepEqual(run.lines(), []);
    }
  });

  it('publish reports a validation error with its code and exit 1', async () => {
    const run = runCli(PUBLISH, [
      ...credentialArgs(relay),
      '--type',
      'NOT_A_TYPE',
      '--key',
      'k',
      '--payload',
      '{}',
    ]);
    assert.equal(await within(run.exit, 30_000, 'publish'), 1);
    assert.match(run.stderr(), /HTTP 400 RELAY_ERR_VALIDATION/);
  });

  it('tail survives a relay restart and prints every event exactly once, in order', async () => {
    const own = await startTestRelay(redis.url);
    let current = own;
    try {
      const tail = runCli(TAIL, [
        ...credentialArgs(own),
        '--domains',
        'Config',
        '--patterns',
        'clirestart:*',
        '--last-event-id',
        '0',
        '--max-events',
        '6',
      ]);
      const published: StoredEvent[] = [];
      published.push(await publishOne(own, configEvent('clirestart', 1)));
      await waitUntil(
        () => tail.lines().length >= 1 || tail.child.exitCode !== null,
        'the first event',
        30_000,
      );
      for (const n of [2, 3]) published.push(await publishOne(own, configEvent('clirestart', n)));
      await waitUntil(() => tail.lines().length >= 3 || tail.child.exitCode !== null, 'three events', 30_000);

      await own.service.stop();
      current = await startTestRelay(redis.url, {
        REDIS_KEY_PREFIX: own.config.redisKeyPrefix,
        PORT: String(own.service.port),
        // the same admin key, or the new relay would reset its secret and the tail could not resume
        RELAY_ADMIN_CLIENT_ID: own.admin.clientId,
        RELAY_ADMIN_CLIENT_SECRET: own.admin.clientSecret,
      });
      assert.equal(current.baseUrl, own.baseUrl);
      published.push(await publishOne(current, configEvent('clirestart', 4), own.admin));
      await waitUntil(
        () => tail.lines().length >= 4 || tail.child.exitCode !== null,
        'the tail to resume',
        30_000,
      );
      for (const n of [5, 6])
        published.push(await publishOne(current, configEvent('clirestart', n), own.admin));

      assert.equal(await within(tail.exit, 30_000, 'tail --max-events 6'), 0, tail.stderr());
      assert.deepEqual(tail.lines(), published.map(readable));
      assert.match(tail.stderr(), /connection lost .*reconnecting in [0-9]+ ms from Last-Event-Id [0-9]+/);
    } finally {
      await own.stop();
      if (current !== own) await current.stop();
    }
  });

  it('tail exits 0 on SIGTERM and with --exit-after-ms', async () => {
    const byTimer = runCli(TAIL, [
      ...credentialArgs(relay),
      '--patterns',
      'cliquiet:*',
      '--exit-after-ms',
      '1500',
    ]);
    await publishOne(relay, configEvent('clisignal', 1));
    const bySignal = runCli(TAIL, [
      ...credentialArgs(relay),
      '--patterns',
      'clisignal:*',
      '--last-event-id',
      '0',
    ]);
    assert.equal(await within(byTimer.exit, 30_000, 'tail --exit-after-ms'), 0, byTimer.stderr());
    await waitUntil(
      () => bySignal.lines().length >= 1 || bySignal.child.exitCode !== null,
      'the tail to run',
      30_000,
    );
    bySignal.child.kill('SIGTERM');
    assert.equal(await within(bySignal.exit, 30_000, 'tail after SIGTERM'), 0, bySignal.stderr());
  });
});
