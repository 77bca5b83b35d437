/**
 * Review: createRedisHub's options are checked synchronously, with messages naming createRedisHub;
 * the one connection given as both publisher and subscriber is refused (its blocking reads would
 * hold every publish and PING behind them).
 */
import { expect } from 'chai';
import { createRedisHub } from '../../src/hub/index.js';

const ioredisLike = (): object => ({ subscribe() {}, on() {}, call() {}, status: 'ready' });

describe('createRedisHub (review): options', () => {
  it('refuses one connection as both publisher and subscriber', () => {
    const c = ioredisLike();
    expect(() => createRedisHub({ channel: 'c', publisher: c, subscriber: c })).to.throw(TypeError, /^createRedisHub: subscriber must be a connection of its own/);
    expect(() => createRedisHub({ channel: 'c', client: c, subscriber: c })).to.throw(TypeError, /^createRedisHub: subscriber must be a connection of its own/);
  });

  it('rejects unknown names and bad numbers, naming createRedisHub', () => {
    const client = ioredisLike();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ healthcheckMs: 10 }, /^createRedisHub: .*healthcheckMs/],
      [{ healthCheckMs: Number.NaN }, /^createRedisHub: healthCheckMs must be a positive finite number of milliseconds, got NaN/],
      [{ publishTimeoutMs: Infinity }, /^createRedisHub: publishTimeoutMs/],
      [{ maxOutageMs: 2 ** 40 }, /^createRedisHub: maxOutageMs must be at most/],
      [{ streamLength: 1.5 }, /^createRedisHub: streamLength/],
      [{ streamLength: 0 }, /^createRedisHub: streamLength must be at least history and at least 1, got 0/],
      [{ idKey: 5 }, /^createRedisHub: idKey must be a non-empty string, got/],
      [{ deserialize: 'JSON.parse' }, /^createRedisHub: deserialize/],
    ];
    for (const [extra, message] of cases) {
      expect(() => createRedisHub({ channel: 'c', client, ...extra } as never), JSON.stringify(extra)).to.throw(message);
    }
  });
});
