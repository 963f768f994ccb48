import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StopSignal } from '../../src/redis/stop-signal.js';

describe('StopSignal', () => {
  it('passes a read through when it settles before the stop', async () => {
    const signal = new StopSignal();
    assert.equal(await signal.race(Promise.resolve('entries')), 'entries');
    await assert.rejects(signal.race(Promise.reject(new Error('read failed'))), /read failed/);
  });

  it('ends a read that never settles with null as soon as it is stopped', async () => {
    const signal = new StopSignal();
    const pending = signal.race(new Promise<string>(() => undefined));
    signal.stop();
    assert.equal(await pending, null);
    assert.equal(
      await signal.race(new Promise<string>(() => undefined)),
      null,
      'later reads end at once too',
    );
  });

  it('leaves no unhandled rejection when an abandoned read fails after the stop', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const signal = new StopSignal();
      let fail: (err: Error) => void = () => undefined;
      const read = new Promise<string>((_, reject) => {
        fail = reject;
      });
      const raced = signal.race(read);
      signal.stop();
      assert.equal(await raced, null);
      fail(new Error('connection closed'));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('keeps nothing of a settled read: a signal that lives as long as its loop must not retain every batch', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const signal = new StopSignal();
    const refs: WeakRef<object>[] = [];
    // in a function of its own, so that no suspended frame of the test holds a batch
    const read = async (i: number) => {
      const batch = { entries: Array.from({ length: 1000 }, (_, j) => `entry ${i}-${j}`) };
      refs.push(new WeakRef(batch));
      return (await signal.race(Promise.resolve(batch))) === batch;
    };
    for (let i = 0; i < 3; i++) assert.ok(await read(i), 'the read passes through');
    await new Promise((r) => setImmediate(r));
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref() === undefined),
      [true, true, true],
      'the batches were collected',
    );
    const pending = signal.race(new Promise<string>(() => undefined));
    signal.stop();
    assert.equal(await pending, null, 'and a read in progress still ends at the stop');
  });
});
