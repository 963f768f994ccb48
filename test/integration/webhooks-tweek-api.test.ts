import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { relayKeys } from '../../src/redis/keys.js';
import { HookStore } from '../../src/webhooks/hook-store.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { expectError, streamEntries, streamLength } from '../helpers/relay-checks.js';
import { type Credentials, startTestRelay, type TestRelay } from '../helpers/test-relay.js';

/** A hook as Tweek's `/api/v2/hooks` shows it. */
interface TweekHook {
  id: string;
  keyPath: string;
  type: string;
  url: string;
}

const TYPE = 'notification_webhook';
const URL_A = 'http://127.0.0.1:9/hook';
const URL_B = 'http://127.0.0.1:9/another_hook';

/** The ETag value without quotes or weakness, for comparing what GET and the writes answer. */
function bare(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

describe("Tweek hooks API /api/v2/hooks (Tweek's e2e scenarios and more)", () => {
  let redis: TestRedis;
  let relay: TestRelay;
  let reader: Credentials;

  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    reader = await relay.createKey({ name: 'not an admin', admin: false });
  });
  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });

  /** GET the list (optionally filtered): 200, a JSON array and an ETag. */
  const getList = async (keyPathFilter?: string): Promise<{ etag: string; hooks: TweekHook[] }> => {
    const query = keyPathFilter === undefined ? '' : `?keyPathFilter=${encodeURIComponent(keyPathFilter)}`;
    const res = await relay.request(`/api/v2/hooks${query}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const etag = res.headers.get('etag');
    assert.ok(etag, 'every GET has an ETag');
    assert.match(etag, /^(W\/)?"[^"]+"$/, 'the ETag is a quoted entity tag');
    const hooks = JSON.parse(text) as TweekHook[];
    assert.ok(Array.isArray(hooks), 'the list is a JSON array');
    return { etag, hooks };
  };

  const post = (body: unknown, ifMatch?: string) =>
    relay.request('/api/v2/hooks', {
      method: 'POST',
      json: body,
      ...(ifMatch !== undefined ? { headers: { 'If-Match': ifMatch } } : {}),
    });
  const put = (id: string, body: unknown, ifMatch?: string) =>
    relay.request(`/api/v2/hooks/${encodeURIComponent(id)}`, {
      method: 'PUT',
      json: body,
      ...(ifMatch !== undefined ? { headers: { 'If-Match': ifMatch } } : {}),
    });
  const del = (id: string, ifMatch?: string) =>
    relay.request(`/api/v2/hooks/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      ...(ifMatch !== undefined ? { headers: { 'If-Match': ifMatch } } : {}),
    });

  /** POST that must succeed: 201, the stored hook with its generated id, and the new ETag. */
  const create = async (
    keyPath: string,
    url: string,
    ifMatch?: string,
  ): Promise<TweekHook & { etag: string }> => {
    const res = await post({ keyPath, type: TYPE, url }, ifMatch);
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const hook = JSON.parse(text) as TweekHook;
    assert.deepEqual(Object.keys(hook).sort(), ['id', 'keyPath', 'type', 'url']);
    assert.deepEqual({ ...hook, id: undefined }, { id: undefined, keyPath, type: TYPE, url });
    assert.equal(typeof hook.id, 'string');
    assert.ok(hook.id.length > 0, 'a generated id');
    const etag = res.headers.get('etag');
    assert.ok(etag, 'POST answers the new ETag');
    return { ...hook, etag };
  };

  /** Removes every hook, so that each scenario starts from an empty list. */
  const clear = async () => {
    for (const hook of (await getList()).hooks) assert.equal((await del(hook.id)).status, 204);
    assert.deepEqual((await getList()).hooks, []);
  };

  /** A request that must fail with `status`/`code` and write nothing: list, ETag and stream unchanged. */
  const refusedUnchanged = async (send: () => Promise<Response>, status: number, code: string) => {
    const before = await getList();
    const length = await streamLength(redis, relay);
    const body = await expectError(await send(), status, code);
    const afterwards = await getList();
    assert.deepEqual(afterwards.hooks, before.hooks, 'the list changed');
    assert.equal(afterwards.etag, before.etag, 'the ETag changed');
    assert.equal(await streamLength(redis, relay), length, 'an event was appended');
    return body;
  };

  it('lists no hooks at first: [] with an ETag', async () => {
    const { hooks, etag } = await getList();
    assert.deepEqual(hooks, []);
    assert.equal((await getList()).etag, etag, 'the same content, the same ETag');
  });

  it('e2e: creates hooks, lists them as {id, keyPath, type, url}, filters by exact keyPath', async () => {
    await clear();
    const a = await create('path/to/key', 'http://127.0.0.1:9/awesome_hook');
    const b = await create('path/to/key', 'http://127.0.0.1:9/another_hook');
    const w = await create('wildcard/path/*', 'http://127.0.0.1:9/wildcard_hook');
    assert.equal(new Set([a.id, b.id, w.id]).size, 3, 'each hook gets its own id');

    const all = await getList();
    const strip = ({ etag: _etag, ...hook }: TweekHook & { etag: string }) => hook;
    assert.deepEqual(
      [...all.hooks].sort((x, y) => x.url.localeCompare(y.url)),
      [strip(b), strip(a), strip(w)],
    );
    for (const hook of all.hooks)
      assert.deepEqual(Object.keys(hook).sort(), ['id', 'keyPath', 'type', 'url']);
    assert.equal(bare(all.etag), bare(w.etag), 'GET answers the ETag the last write answered');

    const exact = await getList('path/to/key');
    assert.deepEqual(exact.hooks.map((h) => h.id).sort(), [a.id, b.id].sort());
    const wildcardKey = await getList('wildcard/path/x');
    assert.deepEqual(wildcardKey.hooks, [], 'the filter does not evaluate wildcards');
    const wildcardItself = await getList('wildcard/path/*');
    assert.deepEqual(wildcardItself.hooks, [strip(w)]);
    assert.deepEqual((await getList('path/to')).hooks, [], 'no prefix match');
    assert.deepEqual((await getList('')).hooks, [], 'an empty filter is an exact match on ""');

    for (const filtered of [exact, wildcardKey, wildcardItself]) {
      assert.equal(filtered.etag, all.etag, 'a filtered GET answers the ETag of the whole list');
    }
  });

  it('e2e: updates a hook (204 with the new ETag), with and without If-Match', async () => {
    await clear();
    const hook = await create('update/me', URL_A);
    const before = await getList();

    const res = await put(hook.id, { keyPath: 'update/me/*', type: TYPE, url: URL_B }, before.etag);
    assert.equal(res.status, 204, await res.clone().text());
    assert.equal(await res.text(), '');
    const etag = res.headers.get('etag');
    assert.ok(etag, 'PUT answers the new ETag');
    const afterwards = await getList();
    assert.deepEqual(afterwards.hooks, [{ id: hook.id, keyPath: 'update/me/*', type: TYPE, url: URL_B }]);
    assert.notEqual(afterwards.etag, before.etag, 'a change changes the ETag');
    assert.equal(bare(afterwards.etag), bare(etag));

    // If-Match is optional
    const free = await put(hook.id, { keyPath: 'update/me', type: TYPE, url: URL_B });
    assert.equal(free.status, 204);
    assert.equal((await getList()).hooks[0]?.keyPath, 'update/me');
    // the body may carry the hook's own id, as GET shows it
    const withId = await put(hook.id, { id: hook.id, keyPath: 'update/me', type: TYPE, url: URL_A });
    assert.equal(withId.status, 204);
    await refusedUnchanged(
      () => put(hook.id, { id: 'some-other-id', keyPath: 'update/me', type: TYPE, url: URL_A }),
      400,
      'RELAY_ERR_VALIDATION',
    );
  });

  it('a PUT re-enables a disabled hook and resets its failure count (Tweek shows no disabled state)', async () => {
    await clear();
    const hook = await create('banned/one', URL_A);
    const redisClient = new Redis(redis.url, { lazyConnect: true });
    try {
      const keys = relayKeys(relay.config.redisKeyPrefix);
      const store = new HookStore(redisClient, keys, { retentionMs: 60_000, maxLength: 1_000_000 });
      const authInfo = { clientId: 'test', name: 'test' };
      // disabled as the worker disables it: isBanned with a reason, and failures counted
      await store.update(hook.id, (h) => ({ ...h, isBanned: true, disabledReason: 'failures' }), {
        authInfo,
        ifMatch: undefined,
      });
      await redisClient.hset(keys.hookState(hook.id), 'failures', '10');
      assert.equal((await store.get(hook.id))?.isBanned, true);
      assert.equal((await store.state(hook.id)).consecutiveFailures, 10);
      const listBefore = await getList();

      const res = await put(hook.id, { keyPath: 'banned/one', type: TYPE, url: URL_A });
      assert.equal(res.status, 204, await res.clone().text());
      const after = await store.get(hook.id);
      assert.equal(after?.isBanned, false, 'enabled again');
      assert.equal(after?.disabledReason, null);
      assert.equal((await store.state(hook.id)).consecutiveFailures, 0, 'failure count reset');
      assert.equal(bare((await getList()).etag), bare(listBefore.etag), 'same Tweek content, same ETag');
    } finally {
      redisClient.disconnect();
    }
  });

  it('gives identical content the identical ETag, even after a change and its revert', async () => {
    await clear();
    const hook = await create('etag/key', URL_A);
    const original = await getList();
    assert.equal((await getList()).etag, original.etag, 'two GETs, one ETag');

    assert.equal((await put(hook.id, { keyPath: 'etag/key', type: TYPE, url: URL_B })).status, 204);
    const changed = await getList();
    assert.notEqual(changed.etag, original.etag);

    const revert = await put(hook.id, { keyPath: 'etag/key', type: TYPE, url: URL_A });
    assert.equal(revert.status, 204);
    const reverted = await getList();
    assert.deepEqual(reverted.hooks, original.hooks);
    assert.equal(reverted.etag, original.etag, 'the same content is the same ETag');
    assert.equal(bare(revert.headers.get('etag') ?? ''), bare(original.etag));

    // and an If-Match taken before the change is good again once it is reverted
    const again = await put(hook.id, { keyPath: 'etag/key', type: TYPE, url: URL_B }, original.etag);
    assert.equal(again.status, 204);
  });

  it('e2e: deletes a hook (204 with the new ETag); unknown ids are 404 on PUT and DELETE', async () => {
    await clear();
    const keep = await create('keep/me', URL_A);
    const doomed = await create('delete/me', URL_B);
    const before = await getList();

    const res = await del(doomed.id, before.etag);
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    const etag = res.headers.get('etag');
    assert.ok(etag, 'DELETE answers the new ETag');
    const afterwards = await getList();
    assert.deepEqual(afterwards.hooks, [{ id: keep.id, keyPath: 'keep/me', type: TYPE, url: URL_A }]);
    assert.equal(bare(afterwards.etag), bare(etag));

    await refusedUnchanged(() => del(doomed.id), 404, 'RELAY_ERR_NOT_FOUND');
    await refusedUnchanged(
      () => put(doomed.id, { keyPath: 'delete/me', type: TYPE, url: URL_B }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
    await refusedUnchanged(() => del('never-existed'), 404, 'RELAY_ERR_NOT_FOUND');
    await refusedUnchanged(
      () => put('never-existed', { keyPath: 'a', type: TYPE, url: URL_A }),
      404,
      'RELAY_ERR_NOT_FOUND',
    );
  });

  describe('invalid bodies: 400 RELAY_ERR_VALIDATION, nothing written', () => {
    const invalid: { what: string; body: unknown; path: string }[] = [
      { what: 'no keyPath', body: { type: TYPE, url: URL_A }, path: 'keyPath' },
      { what: 'an empty keyPath', body: { keyPath: '', type: TYPE, url: URL_A }, path: 'keyPath' },
      {
        what: 'a keyPath that is not a string',
        body: { keyPath: 42, type: TYPE, url: URL_A },
        path: 'keyPath',
      },
      { what: 'another type', body: { keyPath: 'a/b', type: 'email', url: URL_A }, path: 'type' },
      { what: 'no type', body: { keyPath: 'a/b', url: URL_A }, path: 'type' },
      { what: 'an ftp: url', body: { keyPath: 'a/b', type: TYPE, url: 'ftp://127.0.0.1/hook' }, path: 'url' },
      {
        what: 'a javascript: url',
        body: { keyPath: 'a/b', type: TYPE, url: 'javascript:alert(1)' },
        path: 'url',
      },
      { what: 'a url that is not one', body: { keyPath: 'a/b', type: TYPE, url: 'not a url' }, path: 'url' },
      { what: 'no url', body: { keyPath: 'a/b', type: TYPE }, path: 'url' },
      { what: 'an unknown field', body: { keyPath: 'a/b', type: TYPE, url: URL_A, extra: 1 }, path: 'extra' },
    ];
    for (const c of invalid) {
      it(`refuses ${c.what} on POST and PUT`, async () => {
        const existing = (await getList()).hooks[0] ?? (await create('valid/hook', URL_A));
        for (const send of [() => post(c.body), () => put(existing.id, c.body)]) {
          const body = await refusedUnchanged(send, 400, 'RELAY_ERR_VALIDATION');
          assert.deepEqual(
            (body.error.details ?? []).map((d) => d.path),
            [c.path],
          );
        }
      });
    }

    it('refuses a body that is not an object, and invalid JSON', async () => {
      await refusedUnchanged(() => post([]), 400, 'RELAY_ERR_VALIDATION');
      await refusedUnchanged(
        () =>
          relay.request('/api/v2/hooks', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"keyPath": ',
          }),
        400,
        'RELAY_ERR_INVALID_JSON',
      );
    });
  });

  describe('If-Match', () => {
    it('accepts the ETag as GET gives it, unquoted, weak (W/"…"), absent or empty', async () => {
      await clear();
      const hook = await create('if-match/key', URL_A);
      const forms = [
        (etag: string) => etag,
        (etag: string) => bare(etag),
        (etag: string) => `W/"${bare(etag)}"`,
        (etag: string) => `"${bare(etag)}"`,
      ];
      let url = 0;
      for (const form of forms) {
        const { etag } = await getList();
        const res = await put(
          hook.id,
          { keyPath: 'if-match/key', type: TYPE, url: `${URL_A}/${url++}` },
          form(etag),
        );
        assert.equal(res.status, 204, `If-Match ${form(etag)}: ${await res.clone().text()}`);
      }
      const empty = await put(hook.id, { keyPath: 'if-match/key', type: TYPE, url: URL_B }, '');
      assert.equal(empty.status, 204, 'an empty If-Match is no check');
      const created = await post({ keyPath: 'if-match/other', type: TYPE, url: URL_A }, '');
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as TweekHook;
      const removed = await del(id, bare((await getList()).etag));
      assert.equal(removed.status, 204);
    });

    it('refuses a stale If-Match with 412 on POST, PUT and DELETE, writing nothing', async () => {
      await clear();
      const hook = await create('stale/key', URL_A);
      const stale = (await getList()).etag;
      assert.equal((await put(hook.id, { keyPath: 'stale/key', type: TYPE, url: URL_B })).status, 204);
      const current = await getList();
      assert.notEqual(current.etag, stale);

      for (const ifMatch of [stale, bare(stale), `W/"${bare(stale)}"`, '"not-an-etag-at-all"']) {
        await refusedUnchanged(
          () => post({ keyPath: 'stale/new', type: TYPE, url: URL_A }, ifMatch),
          412,
          'RELAY_ERR_PRECONDITION_FAILED',
        );
        await refusedUnchanged(
          () => put(hook.id, { keyPath: 'stale/key', type: TYPE, url: URL_A }, ifMatch),
          412,
          'RELAY_ERR_PRECONDITION_FAILED',
        );
        await refusedUnchanged(() => del(hook.id, ifMatch), 412, 'RELAY_ERR_PRECONDITION_FAILED');
      }
      assert.deepEqual((await getList()).hooks, [
        { id: hook.id, keyPath: 'stale/key', type: TYPE, url: URL_B },
      ]);
    });

    it('lets exactly one of 10 concurrent PUTs with the same If-Match win; the rest get 412', async () => {
      await clear();
      const hook = await create('race/key', URL_A);
      const { etag } = await getList();
      const length = await streamLength(redis, relay);
      const urls = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:9/racer-${i}`);
      const answers = await Promise.all(
        urls.map((url) => put(hook.id, { keyPath: 'race/key', type: TYPE, url }, etag)),
      );
      const statuses = answers.map((r) => r.status);
      const winners = statuses.flatMap((s, i) => (s === 204 ? [i] : []));
      assert.equal(winners.length, 1, `exactly one winner: ${statuses}`);
      assert.equal(statuses.filter((s) => s === 412).length, 9, `the rest 412: ${statuses}`);
      for (const [i, res] of answers.entries()) {
        if (i === winners[0]) await res.text();
        else await expectError(res, 412, 'RELAY_ERR_PRECONDITION_FAILED');
      }
      const winner = winners[0] as number;
      const afterwards = await getList();
      assert.deepEqual(afterwards.hooks, [
        { id: hook.id, keyPath: 'race/key', type: TYPE, url: urls[winner] },
      ]);
      assert.equal(bare(afterwards.etag), bare(answers[winner]?.headers.get('etag') ?? ''));
      assert.equal(await streamLength(redis, relay), length + 1, 'one write, one event');
    });

    it('lets exactly one of 10 concurrent POSTs with the same If-Match create a hook', async () => {
      await clear();
      const { etag } = await getList();
      const length = await streamLength(redis, relay);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post({ keyPath: `race/new/${i}`, type: TYPE, url: URL_A }, etag),
        ),
      );
      const statuses = answers.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, `exactly one created: ${statuses}`);
      assert.equal(statuses.filter((s) => s === 412).length, 9, `the rest 412: ${statuses}`);
      await Promise.all(answers.map((r) => r.text()));
      assert.equal((await getList()).hooks.length, 1);
      assert.equal(await streamLength(redis, relay), length + 1);
    });

    it('lets one of a concurrent DELETE and PUT with the same If-Match win', async () => {
      await clear();
      const hook = await create('race/delete', URL_A);
      const { etag } = await getList();
      const [removed, replaced] = await Promise.all([
        del(hook.id, etag),
        put(hook.id, { keyPath: 'race/delete', type: TYPE, url: URL_B }, etag),
      ]);
      const statuses = [removed.status, replaced.status];
      await Promise.all([removed.text(), replaced.text()]);
      const { hooks } = await getList();
      if (removed.status === 204) {
        // the PUT lost: to the If-Match check, or it found the hook gone
        assert.ok([412, 404].includes(replaced.status), `${statuses}`);
        assert.deepEqual(hooks, []);
      } else {
        assert.deepEqual(statuses, [412, 204]);
        assert.deepEqual(hooks, [{ id: hook.id, keyPath: 'race/delete', type: TYPE, url: URL_B }]);
      }
    });
  });

  it('appends WEBHOOK_CREATED, WEBHOOK_UPDATED and WEBHOOK_DELETED for Tweek hooks', async () => {
    await clear();
    const length = await streamLength(redis, relay);
    const hook = await create('evented/*', URL_A);
    assert.equal((await put(hook.id, { keyPath: 'evented/key', type: TYPE, url: URL_B })).status, 204);
    assert.equal((await del(hook.id)).status, 204);
    assert.equal(await streamLength(redis, relay), length + 3);
    const entries = (await streamEntries(redis, relay)).slice(-3);
    const texts = entries.map(([, fields]) => fields.join('\n'));
    for (const [i, type] of ['WEBHOOK_CREATED', 'WEBHOOK_UPDATED', 'WEBHOOK_DELETED'].entries()) {
      assert.ok(texts[i]?.includes(type), `entry ${i} is ${type}: ${texts[i]}`);
      assert.ok(texts[i]?.includes(hook.id), `entry ${i} names the hook`);
      assert.ok(texts[i]?.includes('"api":"tweek"'), `entry ${i} says it is a Tweek hook`);
    }
    assert.ok(texts[0]?.includes('"keyPath":"evented/*"'));
    assert.ok(texts[1]?.includes('"keyPath":"evented/key"'));
  });

  it('is for admins only: a non-admin key gets 403, no key 401, and nothing is written', async () => {
    await clear();
    const hook = await create('guarded/key', URL_A);
    const body = { keyPath: 'guarded/key', type: TYPE, url: URL_B };
    const attempts: [string, { method: string; json?: unknown }][] = [
      ['/api/v2/hooks', { method: 'GET' }],
      ['/api/v2/hooks', { method: 'POST', json: body }],
      [`/api/v2/hooks/${hook.id}`, { method: 'PUT', json: body }],
      [`/api/v2/hooks/${hook.id}`, { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) {
      await refusedUnchanged(() => relay.request(path, { ...init, as: reader }), 403, 'RELAY_ERR_FORBIDDEN');
      await refusedUnchanged(
        () => relay.request(path, { ...init, as: null }),
        401,
        'RELAY_ERR_UNAUTHENTICATED',
      );
    }
  });
});
