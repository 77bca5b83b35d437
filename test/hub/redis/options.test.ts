/**
 * createRedisHub's options, checked synchronously with messages naming createRedisHub: the clients
 * (the one connection given as both publisher and subscriber is refused, since its blocking reads
 * would hold every publish and PING behind them), the stream, health and signing options, unknown
 * names; and the duplicate it made is closed when it cannot connect.
 */
import { expect } from 'chai';
import { createClient } from 'redis';
import sinon from 'sinon';
import { createRedisHub } from '../../../src/hub/index.js';
import { standInClient } from '../../support/redis-clients.js';

describe('createRedisHub: options', () => {
  it('rejects missing or unrecognised clients and bad options synchronously', () => {
    expect(() => createRedisHub({ channel: 'c' } as never)).to.throw(TypeError, /client/);
    expect(() => createRedisHub({ channel: 'c', client: {} })).to.throw(TypeError, /node-redis .* or ioredis/);
    expect(() => createRedisHub({ channel: '', client: {} })).to.throw(TypeError, /channel/);
    expect(() => createRedisHub({ channel: 'c', client: {}, history: -1 })).to.throw(RangeError, /history/);
    expect(() => createRedisHub({ channel: 'c', client: {}, serialize: 1 as never })).to.throw(TypeError, /serialize/);
    expect(() => createRedisHub({ channel: 'c', client: createClient() })).to.throw(TypeError, /client is not connected/);
  });

  it('checks the stream, health and signing options', () => {
    const client = standInClient();
    expect(() => createRedisHub({ channel: 'c', client, idKey: 'c' })).to.throw(TypeError, /^createRedisHub: idKey must differ from channel/);
    expect(() => createRedisHub({ channel: 'c', client, history: 20, streamLength: 10 })).to.throw(RangeError, /^createRedisHub: streamLength must be at least history/);
    expect(() => createRedisHub({ channel: 'c', client, healthCheckMs: 0 })).to.throw(RangeError, /^createRedisHub: healthCheckMs/);
    expect(() => createRedisHub({ channel: 'c', client, maxOutageMs: -1 })).to.throw(RangeError, /^createRedisHub: maxOutageMs/);
    expect(() => createRedisHub({ channel: 'c', client, secret: '' })).to.throw(TypeError, /^createRedisHub: secret must be a non-empty string or Uint8Array/);
    expect(() => createRedisHub({ channel: 'c', client, secret: 5 as never })).to.throw(TypeError, /secret/);
  });

  it('closes the duplicate it made when that duplicate cannot connect', async () => {
    const refused = new Error('connection refused');
    const dup = { isOpen: false, on() {}, subscribe() {}, sendCommand() {}, connect: () => Promise.reject(refused), destroy: sinon.spy() };
    const client = { isOpen: true, on() {}, subscribe() {}, sendCommand() {}, duplicate: () => dup };
    expect(await createRedisHub({ channel: 'c', client }).then(() => null, (e: unknown) => e)).to.equal(refused);
    expect(dup.destroy.callCount).to.equal(1);
  });

  it('refuses one connection as both publisher and subscriber', () => {
    const c = standInClient();
    expect(() => createRedisHub({ channel: 'c', publisher: c, subscriber: c })).to.throw(TypeError, /^createRedisHub: subscriber must be a connection of its own/);
    expect(() => createRedisHub({ channel: 'c', client: c, subscriber: c })).to.throw(TypeError, /^createRedisHub: subscriber must be a connection of its own/);
  });

  it('rejects unknown names and bad numbers, naming createRedisHub', () => {
    const client = standInClient();
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
