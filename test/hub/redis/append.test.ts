/**
 * The sending side of a Redis hub against a scripted connection: at most `maxInFlight` publishes
 * wait for Redis at once, the rest wait unsent; a publish's time limit counts from when it is sent;
 * a rejection says whether the publish was sent.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { HubClosedError, HubConnectionError } from '../../../src/hub/index.js';
import { Appender } from '../../../src/hub/redis/append.js';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { turn } from '../../support/timing.js';

/** A connection whose replies the test gives, in order: each command gets the next id. */
function scripted(): { link: RedisLink; sent: Array<(reply: unknown) => void>; ready: boolean } {
  const state = { sent: [] as Array<(reply: unknown) => void>, ready: true, link: undefined as unknown as RedisLink };
  let id = 0;
  state.link = {
    flavor: 'ioredis',
    get ready() {
      return state.ready;
    },
    command: () => new Promise((resolve) => state.sent.push(() => resolve([String(++id), 'E']))),
    watch: () => () => {},
    destroy: () => {},
  } as RedisLink;
  return state;
}

function appender(link: RedisLink, maxInFlight: number, timeoutMs = 60_000): Appender {
  return new Appender({
    publisher: link, channel: 'c', idKey: 'c:id', recordsKey: 'c:id:sids', keysKey: 'c:id:keys', keyWindow: 100, retainMs: 60_000, streamLength: 1000, timeoutMs, maxInFlight, secret: undefined,
    cause: () => undefined, known: () => ({ epoch: 'E', id: 0 }),
  });
}

describe('Redis hub appender: publishes in flight', () => {
  it('sends at most maxInFlight at once and the rest, in order, as answers come', async () => {
    const redis = scripted();
    const a = appender(redis.link, 3);
    const ids = Array.from({ length: 10 }, () => a.append('x', '', 'key-x'));
    await turn();
    expect(redis.sent.length).to.equal(3);
    redis.sent[0]!('');
    await turn();
    expect(redis.sent.length).to.equal(4);
    for (let i = 1; i < 10; i++) {
      redis.sent[i]!('');
      await turn();
    }
    expect(await Promise.all(ids)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('counts the time limit from when a publish is sent, not from when it was called', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const redis = scripted();
      const a = appender(redis.link, 1, 1000);
      const first = a.append('x', '', 'key-x');
      const second = a.append('y', '', 'key-y');
      await turn();
      clock.tick(900);
      redis.sent[0]!('');
      expect(await first).to.equal(1);
      await turn();
      // the second was sent at 900 ms: at 1800 ms it has waited 900 ms of its 1000
      clock.tick(900);
      redis.sent[1]!('');
      expect(await second).to.equal(2);
    } finally {
      clock.restore();
    }
  });

  it('a Redis answering the publishes sent before one is busy, not hung: that one waits on from the last answer', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const redis = scripted();
      const a = appender(redis.link, 2, 1000);
      const first = a.append('x', '', 'key-x');
      let second: unknown = 'pending';
      void a.append('y', '', 'key-y').then((id) => (second = id), (error: unknown) => (second = error));
      await turn();
      clock.tick(900);
      redis.sent[0]!('');
      expect(await first).to.equal(1);
      // the second's limit comes; Redis answered the first meanwhile, so it waits on
      clock.tick(200);
      await turn();
      await turn();
      expect(second).to.equal('pending');
      redis.sent[1]!('');
      await turn();
      expect(second).to.equal(2);
    } finally {
      clock.restore();
    }
  });

  it('a publish unanswered in time rejects with sent: true; one never sent with sent: false', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const redis = scripted();
      const a = appender(redis.link, 1, 1000);
      const sent = a.append('x', '', 'key-x').catch((e: unknown) => e);
      const waiting = a.append('y', '', 'key-y').catch((e: unknown) => e);
      await turn();
      a.abandon('Redis does not answer');
      const [s, w] = (await Promise.all([sent, waiting])) as HubConnectionError[];
      expect(s).to.be.instanceOf(HubConnectionError).and.include({ sent: true });
      expect(w).to.be.instanceOf(HubConnectionError).and.include({ sent: false });
      expect(redis.sent.length).to.equal(1);
      const late = a.append('z', '', 'key-z').catch((e: unknown) => e);
      await turn();
      clock.tick(1000);
      expect(await late).to.be.instanceOf(HubConnectionError).and.include({ sent: true });
    } finally {
      clock.restore();
    }
  });

  it('a connection that is down rejects with sent: false; close rejects the unsent with HubClosedError', async () => {
    const redis = scripted();
    const a = appender(redis.link, 1);
    const first = a.append('x', '', 'key-x');
    const unsent = a.append('y', '', 'key-y').catch((e: unknown) => e);
    await turn();
    const settled = a.settled();
    expect(await unsent).to.be.instanceOf(HubClosedError);
    redis.sent[0]!('');
    await settled;
    expect(await first).to.equal(1);
    expect(redis.sent.length).to.equal(1);
    redis.ready = false;
    const down = (await a.append('z', '', 'key-z').catch((e: unknown) => e)) as HubConnectionError;
    expect(down).to.be.instanceOf(HubConnectionError).and.include({ sent: false });
  });
});

describe('Redis hub appender: error replies', () => {
  /** An error reply as node-redis makes it (recognised by its class name). */
  class ErrorReply extends Error {}

  function replying(message: string): RedisLink {
    return { flavor: 'node-redis', ready: true, command: () => Promise.reject(new ErrorReply(message)), watch: () => () => {}, destroy: () => {} };
  }

  it('a cluster node that refused to run the publish rejects it with HubConnectionError, sent: false, the reply as cause', async () => {
    for (const message of ['CLUSTERDOWN The cluster is down', 'TRYAGAIN Multiple keys request during rehashing of slot', 'MOVED 3999 127.0.0.1:6381', 'ASK 3999 127.0.0.1:6381']) {
      const error = (await appender(replying(message), 10).append('x', '', 'key-x').catch((e: unknown) => e)) as HubConnectionError;
      expect(error, message).to.be.instanceOf(HubConnectionError).and.include({ sent: false, key: undefined });
      expect(error.message).to.equal(`publish on "c": ${message}`);
      expect(error.cause).to.be.instanceOf(ErrorReply);
    }
  });

  it('any other error reply rejects as it is', async () => {
    const error = await appender(replying('ERR comet-bridge: field id of c:id is not a non-negative integer'), 10).append('x', '', 'key-x').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ErrorReply);
  });
});
