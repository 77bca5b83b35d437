/**
 * Every public hub function refuses bad input where it is given, with its own name in the message,
 * and refuses option names that do not exist.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cometEncoding, cometHub, createHub, createRedisHub } from '../../src/hub/index.js';
import { standInClient } from '../support/redis-clients.js';

const fakeIoredis = standInClient();

describe('hub options: refused at the earliest point', () => {
  it('createHub({ limit: 2 ** 60 }) throws at createHub, with the shared message', () => {
    expect(() => createHub({ limit: 2 ** 60 })).to.throw(
      RangeError,
      'createHub: limit must be a positive integer or Infinity, got 1152921504606846976',
    );
    expect(() => cometHub('cb', { limit: 2 ** 60 })).to.throw(RangeError, /^cometHub: limit must be a positive integer or Infinity, got 1152921504606846976$/);
    expect(() => createRedisHub({ channel: 'c', client: fakeIoredis, limit: 2 ** 60 })).to.throw(
      RangeError, /^createRedisHub: limit must be a positive integer or Infinity, got 1152921504606846976$/,
    );
    expect(() => createHub().subscribe({ limit: 2 ** 60 })).to.throw(RangeError, /^subscribe: limit must be/);
  });

  it('names the function in every message', () => {
    expect(() => createHub({ history: -1 })).to.throw(RangeError, /^createHub: history must be a non-negative integer, got -1$/);
    expect(() => createHub({ policy: 'pause' as never })).to.throw(TypeError, /^createHub: policy must be one of/);
    expect(() => createHub({ encode: 'x' as never })).to.throw(TypeError, /^createHub: encode must be a function, got a string$/);
    expect(() => createHub(null as never)).to.throw(TypeError, /^createHub: options must be an object, got null$/);
    expect(() => createHub().subscribe({ signal: {} as never })).to.throw(TypeError, /^subscribe: options.signal must be an AbortSignal/);
    expect(() => cometEncoding('cb', { kind: 'flow' as never })).to.throw(TypeError, /^cometEncoding: kind must be/);
    expect(() => cometHub('cb', { map: 1 as never })).to.throw(TypeError, /^cometHub: map must be a function/);
    expect(() => createRedisHub({ channel: '', client: fakeIoredis })).to.throw(TypeError, /^createRedisHub: channel must be a non-empty string/);
    expect(() => createRedisHub({ channel: 'c', client: {} })).to.throw(TypeError, /^createRedisHub: client must be a node-redis/);
    expect(() => createRedisHub({ channel: 'c', client: fakeIoredis, publishTimeoutMs: -1 })).to.throw(RangeError, /^createRedisHub: publishTimeoutMs/);
    expect(() => createRedisHub({ channel: 'c', client: fakeIoredis, publishTimeoutMs: 0 })).to.throw(RangeError, /^createRedisHub: publishTimeoutMs/);
  });

  const misspelt: [string, () => unknown, string][] = [
    ['createHub', () => createHub({ limits: 3 } as never), 'limits'],
    ['cometHub', () => cometHub('cb', { heartbeatMS: 5 } as never), 'heartbeatMS'],
    ['cometHub', () => cometHub('cb', { encode: () => '' } as never), 'encode'],
    ['cometEncoding', () => cometEncoding('cb', { limit: 3 } as never), 'limit'],
    ['createRedisHub', () => createRedisHub({ channel: 'c', client: fakeIoredis, chanel: 'd' } as never), 'chanel'],
    ['subscribe', () => createHub().subscribe({ sinse: 3 } as never), 'sinse'],
  ];
  for (const [where, call, name] of misspelt) {
    it(`${where} refuses the unknown option '${name}'`, () => {
      expect(call).to.throw(TypeError, new RegExp(`^${where}: unknown option '${name}'`));
    });
  }

  it('accepts every documented option', () => {
    const hub = createHub<number, number>({ history: 1, limit: 2, policy: 'drop-newest', encode: (v) => v, initial: 0, coalesce: (v) => v[0]! });
    hub.subscribe({ policy: 'disconnect', limit: 1, since: 0, signal: new AbortController().signal }).return();
    cometHub('cb', { history: 1, limit: 2, policy: 'drop-oldest', kind: 'string', map: String, coalesce: false, initialChunk: null, nonce: 'n', maxMessageBytes: 100 });
    expect(hub.size).to.equal(0);
  });
});

describe('hub epoch', () => {
  it('is 16 url-safe characters, made at creation, fixed for the life of the hub, different per hub', () => {
    const hub = createHub<number>();
    const epoch = hub.epoch;
    expect(epoch).to.match(/^[A-Za-z0-9_-]{16}$/);
    hub.publish(1);
    hub.close();
    expect(hub.epoch).to.equal(epoch);
    const epochs = new Set(Array.from({ length: 200 }, () => cometHub('cb').epoch));
    expect(epochs.size).to.equal(200);
    expect(() => {
      (hub as { epoch: string }).epoch = 'x';
    }).to.throw(TypeError);
    expect(hub.epoch).to.equal(epoch);
  });
});

describe('class names in src/', () => {
  it('no two classes share a name, and the hub has no class named like a public type', () => {
    const names: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/^\s*(?:export\s+)?(?:abstract\s+)?class\s+(\w+)/gm)) names.push(m[1]!);
        }
      }
    };
    walk(new URL('../../src/hub', import.meta.url).pathname);
    expect(names).to.not.include.members(['Subscription', 'Subscriber']);
    expect(names.length).to.equal(new Set(names).size, `duplicate class names in src/hub: ${names.join(', ')}`);
  });
});
