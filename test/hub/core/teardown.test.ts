import { expect } from 'chai';
import { createHub } from '../../../src/hub/index.js';

describe('createHub: unsubscribe on every path', () => {
  for (const policy of ['drop-oldest', 'drop-newest', 'disconnect'] as const) {
    it(`return() before the first next() leaves the hub at once ('${policy}')`, async () => {
      const hub = createHub<number>({ policy, limit: 2, history: 4 });
      hub.publish(1);
      const plain = hub.subscribe();
      const replaying = hub.subscribe({ since: 0 });
      expect(hub.stats().subscribers).to.equal(2);
      const returned = [plain.return(), replaying.return()];
      expect(hub.stats().subscribers).to.equal(0);
      await Promise.all(returned);
      for (let i = 0; i < 10; i++) hub.publish(i);
      expect(hub.stats()).to.include({ subscribers: 0, delivered: 0, discarded: 1, waiting: 0 });
      expect(await plain.next()).to.deep.equal({ value: undefined, done: true });
      expect(await replaying.next()).to.deep.equal({ value: undefined, done: true });
    });
  }

  it('break out of for await unsubscribes', async () => {
    const hub = createHub<number>();
    const s = hub.subscribe();
    hub.publish(1);
    hub.publish(2);
    for await (const v of s) {
      expect(v).to.equal(1);
      break;
    }
    expect(hub.size).to.equal(0);
    expect(await s.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('return() unsubscribes, discards buffered messages and settles pending reads', async () => {
    const hub = createHub<number>({ policy: 'drop-oldest', limit: 5 });
    const s = hub.subscribe();
    hub.publish(1);
    hub.publish(2);
    expect(await s.return()).to.deep.equal({ value: undefined, done: true });
    expect(hub.size).to.equal(0);
    hub.publish(3);
    expect(await s.next()).to.deep.equal({ value: undefined, done: true });
    const waiting = hub.subscribe();
    const pending = waiting.next();
    await waiting.return();
    expect(await pending).to.deep.equal({ value: undefined, done: true });
    expect(hub.size).to.equal(0);
  });

  it('throw() unsubscribes and rejects with the given error', async () => {
    const hub = createHub<number>();
    const s = hub.subscribe();
    const boom = new Error('boom');
    expect(await s.throw(boom).then(() => null, (e: unknown) => e)).to.equal(boom);
    expect(hub.size).to.equal(0);
  });

  it('abort unsubscribes and rejects the next read with the reason, once', async () => {
    const hub = createHub<number>();
    const ac = new AbortController();
    const s = hub.subscribe({ signal: ac.signal });
    const pending = s.next();
    const reason = new Error('client left');
    ac.abort(reason);
    expect(hub.size).to.equal(0);
    expect(await pending.then(() => null, (e: unknown) => e)).to.equal(reason);
    expect(await s.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('an already aborted signal never subscribes', async () => {
    const hub = createHub<number>({ initial: -1 });
    const reason = new Error('gone');
    const s = hub.subscribe({ signal: AbortSignal.abort(reason) });
    expect(hub.size).to.equal(0);
    expect(await s.next().then(() => null, (e: unknown) => e)).to.equal(reason);
  });

  it('Symbol.asyncDispose unsubscribes', async () => {
    const hub = createHub<number>();
    const s = hub.subscribe();
    await s[Symbol.asyncDispose]();
    expect(hub.size).to.equal(0);
  });

  it('keeps dropped counts of subscribers that left', async () => {
    const hub = createHub<number>({ policy: 'drop-newest', limit: 1 });
    const s = hub.subscribe();
    hub.publish(1);
    hub.publish(2);
    hub.publish(3);
    await s.return();
    expect(hub.stats().dropped).to.deep.equal({ 'drop-oldest': 0, 'drop-newest': 2 });
  });
});
