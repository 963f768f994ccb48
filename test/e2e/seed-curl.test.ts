import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  newAdmin,
  type PublishedEvent,
  publish,
  randomPrefix,
  relayEnv,
  waitUntil,
  within,
} from '../helpers/e2e-kit.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { type Credentials, keyHeaders } from '../helpers/test-relay.js';

// A verbatim copy of shared/seeds/izanami-events.txt, so that the suite runs from a fresh clone.
const SEED = new URL('../fixtures/izanami-events.txt', import.meta.url);

/** The `curl -X GET …` commands of the seed, each with its continuation lines, exactly as written. */
function seedCurlCommands(): string[] {
  const lines = readFileSync(SEED, 'utf8').split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.startsWith('curl ')) continue;
    const block: string[] = [];
    for (let j = i; j < lines.length; j++) {
      const line = lines[j] as string;
      block.push(line);
      if (!line.trimEnd().endsWith('\\')) break;
    }
    commands.push(block.join('\n'));
  }
  return commands;
}

/**
 * Substitutes what the reader of the seed substitutes: the key's id and secret for the `xxxx`, the relay's
 * address for localhost:9000 (127.0.0.1: the tests talk to loopback only), and an existing event id for the
 * seed's example `Last-Event-Id`. `curl -N --max-time 3` because the stream never ends by itself.
 */
function adapt(command: string, port: number, key: Credentials, lastEventId?: number): string {
  let out = command
    .replace(/^curl /, 'curl -N --max-time 3 ')
    .replace('http://localhost:9000/', `http://127.0.0.1:${port}/`)
    .replace("'Izanami-Client-Id: xxxx'", `'Izanami-Client-Id: ${key.clientId}'`)
    .replace("'Izanami-Client-Secret: xxxx'", `'Izanami-Client-Secret: ${key.clientSecret}'`);
  if (lastEventId !== undefined) out = out.replace(/'Last-Event-Id: \d+'/, `'Last-Event-Id: ${lastEventId}'`);
  assert.ok(!out.includes('xxxx') && !out.includes('localhost'), `left unsubstituted: ${out}`);
  return out;
}

interface CurlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command through sh (it has quotes and line continuations), with the real curl binary. */
function runCurl(command: string): { done: Promise<CurlRun>; kill: () => void } {
  const child = spawn('sh', ['-c', command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_PROXY: '*' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<CurlRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** SSE frames of curl's output: each `id: <n>` line followed by its `data: <json>` line, then a blank line. */
function parseFrames(stdout: string): { id: string; data: string }[] {
  const frames: { id: string; data: string }[] = [];
  for (const block of stdout.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith(':'));
    if (lines.length === 0) continue;
    assert.equal(lines.length, 2, `a frame is an id line and a data line: ${JSON.stringify(block)}`);
    const [idLine, dataLine] = lines as [string, string];
    assert.match(idLine, /^id: \d+$/);
    assert.match(dataLine, /^data: \{.*\}$/);
    frames.push({ id: idLine.slice('id: '.length), data: dataLine.slice('data: '.length) });
  }
  assert.ok(stdout === '' || stdout.endsWith('\n\n'), 'the output ends after a whole frame');
  return frames;
}

function assertFramesAre(frames: { id: string; data: string }[], events: PublishedEvent[]): void {
  assert.deepEqual(
    frames.map((f) => f.id),
    events.map((e) => String(e._id)),
  );
  assert.deepEqual(
    frames.map((f) => JSON.parse(f.data) as unknown),
    events,
  );
}

describe("the seed's curl examples against the running relay", () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let relay: RelayProcess;
  let key: Credentials;
  const runs: { kill: () => void }[] = [];
  const published: PublishedEvent[] = [];

  before(async () => {
    redis = await startTestRedis();
    relay = await spawnRelay(relayEnv(redis.url, randomPrefix(), admin));
    // a key created as the README says: POST /api/apikeys with an admin key
    const res = await fetch(`${relay.baseUrl}/api/apikeys`, {
      method: 'POST',
      headers: { ...keyHeaders(admin), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'seed curl examples', authorizedPattern: '*' }),
    });
    assert.equal(res.status, 201);
    key = (await res.json()) as Credentials;
    assert.ok(key.clientId && key.clientSecret);
  });

  after(async () => {
    for (const run of runs) run.kill();
    await relay?.kill('SIGKILL');
    await redis?.stop();
  });

  it('the seed has the listen and the replay command', () => {
    const commands = seedCurlCommands();
    assert.equal(commands.length, 2);
    assert.ok(!commands[0]?.includes('Last-Event-Id'));
    assert.ok(commands[1]?.includes('Last-Event-Id'));
  });

  it('the listen command prints an id and a data line per event published meanwhile', async () => {
    const [listenCommand] = seedCurlCommands() as [string];
    const run = runCurl(adapt(listenCommand, relay.port, key));
    runs.push(run);
    await waitUntil(async () => {
      const metrics = await (await fetch(`${relay.baseUrl}/metrics`)).text();
      return /^relay_sse_clients 1$/m.test(metrics);
    }, 'curl to be connected');

    const bodies = [
      {
        type: 'CONFIG_UPDATED',
        key: 'demo:title',
        payload: { id: 'demo:title', value: '{\n "title": "Changed title"\n}' },
        oldValue: { id: 'demo:title', value: '{\n "title": "Title"\n}' },
      },
      {
        type: 'FEATURE_UPDATED',
        key: 'drop:hbomb:in:random:place',
        payload: {
          id: 'drop:hbomb:in:random:place',
          enabled: false,
          parameters: { releaseDate: '11/01/2018 09:58:00' },
          activationStrategy: 'RELEASE_DATE',
        },
      },
      // not Config or Feature: not listened to
      { type: 'USER_CREATED', key: 'someone', payload: { id: 'someone', name: 'Someone' } },
      {
        author: { name: 'e2e', email: 'e2e@example.test' },
        events: [
          { type: 'CONFIG_CREATED', key: 'demo:other', payload: { id: 'demo:other', value: '{}' } },
          { type: 'FEATURE_DELETED', key: 'old:flag', payload: { id: 'old:flag' } },
        ],
      },
    ];
    for (const body of bodies) {
      const res = await publish(relay.baseUrl, key, body);
      assert.equal(res.status, 201, `publish ${JSON.stringify(body)}: ${res.status} ${res.errorCode}`);
      published.push(...res.events);
    }
    const result = await within(run.done, 15_000, 'curl --max-time 3');
    assert.equal(result.code, 28, `curl ends on its --max-time (28), not earlier: ${result.stderr}`);
    const listened = published.filter((e) => e.domain === 'Config' || e.domain === 'Feature');
    assert.equal(listened.length, 4);
    assertFramesAre(parseFrames(result.stdout), listened);
  });

  it('the replay command with Last-Event-Id prints exactly the events after that id', async () => {
    const [, replayCommand] = seedCurlCommands() as [string, string];
    const listened = published.filter((e) => e.domain === 'Config' || e.domain === 'Feature');
    assert.equal(listened.length, 4, 'the listen test published first');
    const from = (listened[0] as PublishedEvent)._id;
    const run = runCurl(adapt(replayCommand, relay.port, key, from));
    runs.push(run);
    const result = await within(run.done, 15_000, 'curl --max-time 3');
    assert.equal(result.code, 28, `curl ends on its --max-time (28): ${result.stderr}`);
    assertFramesAre(parseFrames(result.stdout), listened.slice(1));
  });
});
