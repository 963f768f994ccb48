import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertExactlyOnceInOrder,
  configEvent,
  eventsPath,
  newAdmin,
  type PublishedEvent,
  publish,
  randomPrefix,
  relayEnv,
  sleep,
  within,
} from '../helpers/e2e-kit.js';
import { KeyedEventSource } from '../helpers/keyed-event-source.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { type RelayProcess, spawnRelay } from '../helpers/relay-process.js';
import { recordCredentials } from '../helpers/run-record.js';
import type { Credentials } from '../helpers/test-relay.js';

/**
 * The relay as seen by the `eventsource` npm package (v4), the EventSource a Node service would use: key
 * headers through its `fetch` option, and reconnection left entirely to the package. The relay it listens on is
 * SIGKILLed and started again on the same port; the package reconnects by itself and resumes with
 * Last-Event-ID, missing nothing and repeating nothing. Also: a key limited to a pattern, `event: reset` for a
 * trimmed history, and refused connections, which the package must not retry.
 */
describe('the eventsource npm client', () => {
  const admin = newAdmin();
  let redis: TestRedis;
  let env: Record<string, string>;
  const relays: RelayProcess[] = [];
  const clients: KeyedEventSource[] = [];

  const listen = (url: string, creds: Credentials, eventTypes: readonly string[] = []) => {
    const client = new KeyedEventSource(url, creds, eventTypes);
    clients.push(client);
    return client;
  };

  const spawn = async (extra: Record<string, string> = {}, base = env) => {
    const relay = await spawnRelay({ ...base, ...extra });
    relays.push(relay);
    return relay;
  };

  /** Publishes `body` as `creds` and returns the stored events (a 201 is required). */
  const published = async (baseUrl: string, body: unknown, creds: Credentials = admin) => {
    const res = await publish(baseUrl, creds, body);
    assert.equal(res.status, 201, `publish: ${res.status} ${res.errorCode ?? res.failure ?? ''}`);
    return res.events;
  };

  before(async () => {
    redis = await startTestRedis();
    env = relayEnv(redis.url, randomPrefix(), admin);
  });

  after(async () => {
    for (const client of clients) client.close();
    await Promise.all(relays.map((r) => r.kill('SIGKILL')));
    await redis?.stop();
  });

  it('reconnects by itself after a SIGKILL and a restart on the same port, and resumes with Last-Event-ID: every event once, in order', async (t) => {
    const port = await freePort();
    const first = await spawn({ PORT: String(port) });
    // publishes while the relay the client uses is down
    const other = await spawn();
    const acked: PublishedEvent[] = [];
    let n = 0;
    const next = () => configEvent('esrestart', n++);
    const commit = (size: number) => ({
      author: { name: 'e2e', email: 'e2e@example.test' },
      events: Array.from({ length: size }, next),
    });

    // lastEventId=0: from the start of the (fresh) stream. On every reconnection the package sends the
    // Last-Event-ID header, which wins over the query: replaying from 0 again would show up as duplicates.
    const client = listen(`${first.baseUrl}${eventsPath('esrestart')}&lastEventId=0`, admin);

    // before: published to the relay the client listens on
    acked.push(...(await published(first.baseUrl, next())));
    acked.push(...(await published(first.baseUrl, commit(3))));
    acked.push(...(await published(first.baseUrl, next())));
    await client.waitFor((c) => c.ids().length === acked.length, 'the events published before the kill');
    assert.equal(client.readyState, 1, 'open');
    const lastBeforeKill = client.ids().at(-1);

    assert.equal(
      await within(first.kill('SIGKILL'), 10_000, 'SIGKILL'),
      null,
      'the relay died of the signal',
    );
    await client.waitFor((c) => c.errors.length > 0, 'the client noticing the lost connection');
    assert.equal(client.readyState, 0, 'the package is reconnecting, not closed');

    // during: the relay is down; another relay on the same Redis takes the publishes
    acked.push(...(await published(other.baseUrl, next())));
    acked.push(...(await published(other.baseUrl, commit(2))));
    // long enough for the package's reconnection delay (3 s) to pass with nothing listening on the port
    await sleep(3_500);

    const restarted = await spawn({ PORT: String(port) });
    assert.equal(restarted.baseUrl, first.baseUrl, 'the same port');
    // right after the restart, most likely before the package reconnects: it gets these by replay
    acked.push(...(await published(restarted.baseUrl, next())));
    await client.waitFor((c) => c.opened().length === 2, 'the package to reconnect to the restarted relay');
    // after: live on the new connection
    acked.push(...(await published(restarted.baseUrl, commit(4))));
    acked.push(...(await published(other.baseUrl, next())));

    const last = acked.at(-1)?._id;
    await client.waitFor((c) => c.ids().includes(last as number), 'every event, the last included');
    // nothing more may arrive: give a duplicate time to show up
    await sleep(300);
    assertExactlyOnceInOrder(
      client.frames(),
      acked.map((e) => e._id),
    );

    t.diagnostic(
      `${acked.length} events; requests: ${client.attempts.map((a) => a.status ?? 'refused').join(', ')}`,
    );
    const [firstOpen, reopen] = client.opened();
    assert.equal(firstOpen?.lastEventId, undefined, 'the first request has no Last-Event-ID');
    assert.equal(
      reopen?.lastEventId,
      String(lastBeforeKill),
      'the reconnection resumes after the last event',
    );
    const refused = client.attempts.filter((a) => a.status === undefined);
    assert.ok(refused.length >= 1, 'the package kept trying while the port was closed');
    for (const a of refused) assert.ok(a.failure, 'a request that got no answer failed with an error');
    assert.deepEqual(
      client.attempts.filter((a) => a.status !== undefined && a.status !== 200),
      [],
      'the relay never answered a reconnection with an error',
    );
    assert.equal(client.readyState, 1, 'open on the restarted relay');
  });

  it('a key limited to a pattern receives only the events its pattern matches', async () => {
    const relay = await spawn();
    const res = await fetch(`${relay.baseUrl}/api/apikeys`, {
      method: 'POST',
      headers: {
        'Izanami-Client-Id': admin.clientId,
        'Izanami-Client-Secret': admin.clientSecret,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        clientId: 'es-limited',
        name: 'limited',
        authorizedPattern: 'eslimit:allowed:*',
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const key = (await res.json()) as Credentials;
    recordCredentials(key);

    // no patterns and no domains: everything the key may see, from the start of the stream
    const client = listen(`${relay.baseUrl}/api/events?lastEventId=0`, key);
    const allowed = (n: number) => configEvent('eslimit:allowed', n);
    const other = (n: number) => configEvent('eslimit:other', n);
    const stored = [
      ...(await published(relay.baseUrl, allowed(1))),
      ...(await published(relay.baseUrl, other(1))),
      ...(await published(relay.baseUrl, { events: [allowed(2), other(2), allowed(3)] })),
      ...(await published(relay.baseUrl, other(3))),
      // the key itself may publish under its pattern (and only there)
      ...(await published(relay.baseUrl, allowed(4), key)),
    ];
    const refused = await publish(relay.baseUrl, key, other(4));
    assert.equal(refused.status, 403);
    const last = await published(relay.baseUrl, allowed(5));

    const expected = [...stored, ...last].filter((e) => e.key.startsWith('eslimit:allowed:'));
    await client.waitFor(
      (c) => c.ids().includes(last[0]?._id as number),
      'the last event the key may see (published after all the others)',
    );
    assertExactlyOnceInOrder(
      client.frames(),
      expected.map((e) => e._id),
    );
    assert.deepEqual(
      client.frames().map((f) => (JSON.parse(f.data) as { key: string }).key),
      expected.map((e) => e.key),
    );
  });

  it('a trimmed history is announced with `event: reset` {requested, earliest} before what is retained', async () => {
    // its own stream (prefix), whose events are kept for one second only
    const relay = await spawn({ EVENTS_RETENTION: '1s' }, relayEnv(redis.url, randomPrefix(), admin));
    await published(relay.baseUrl, configEvent('esreset', 1));
    await sleep(1_200);
    // appending trims what is older than the retention: the first event, and everything before it
    const [kept] = await published(relay.baseUrl, configEvent('esreset', 2));

    const client = listen(`${relay.baseUrl}/api/events?lastEventId=0`, admin, ['reset']);
    await client.waitFor((c) => c.received.length >= 2, 'the reset and the retained event');
    const [reset, event] = client.received;
    assert.equal(reset?.type, 'reset');
    assert.deepEqual(JSON.parse(reset?.data ?? ''), { requested: 0, earliest: kept?._id });
    assert.equal(event?.type, 'message');
    assert.equal(event?.id, String(kept?._id));
    assert.deepEqual(JSON.parse(event?.data ?? ''), kept);
    assert.equal(client.readyState, 1, 'the stream goes on after the reset');
  });

  it('a refused connection (401 wrong secret, 400 bad Last-Event-Id) is an error event with its status, and is not retried', async () => {
    const relay = await spawn();
    const wrong = listen(`${relay.baseUrl}${eventsPath('esrefused')}`, {
      clientId: admin.clientId,
      clientSecret: 'not-the-admin-secret-000',
    });
    const badId = listen(`${relay.baseUrl}${eventsPath('esrefused')}&lastEventId=12-0`, admin);
    for (const [client, status] of [
      [wrong, 401],
      [badId, 400],
    ] as const) {
      await client.waitFor((c) => c.errors.length > 0, `the ${status} error event`);
      assert.equal(client.errors[0]?.code, status);
      assert.equal(client.readyState, 2, `closed for good after a ${status}`);
    }
    // past the package's 3 s reconnection delay: a retry would have happened by now
    await sleep(3_500);
    for (const client of [wrong, badId]) {
      assert.equal(client.attempts.length, 1, 'no reconnection after a refusal');
      assert.equal(client.errors.length, 1);
    }
  });
});
