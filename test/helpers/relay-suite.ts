import { after, before } from 'node:test';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { startTestRelay, type TestRelay } from './test-relay.js';

/**
 * A Redis and a relay for the enclosing `describe`: started in its `before`, stopped in its `after`. Read
 * `suite.relay` inside the tests (it is there once the suite has started).
 */
export function relayForSuite(env: Record<string, string> = {}): { readonly relay: TestRelay } {
  let redis: TestRedis | undefined;
  let relay: TestRelay | undefined;
  before(async () => {
    redis = await startTestRedis();
    relay = await startTestRelay(redis.url, env);
  });
  after(async () => {
    await relay?.stop();
    await redis?.stop();
  });
  return {
    get relay(): TestRelay {
      if (!relay) throw new Error('the suite has not started its relay');
      return relay;
    },
  };
}
