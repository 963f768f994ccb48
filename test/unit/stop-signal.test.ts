import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
