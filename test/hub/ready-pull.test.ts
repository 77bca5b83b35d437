/**
 * A hub subscription given to a transport is read without a promise per message (src/util/ready.ts):
 * the reader parks on the subscriber's queue, a publish wakes every parked reader in one microtask,
 * and each writes what waits for it, coalesced; the end still comes through next().
 */
import { expect } from 'chai';
import type http from 'node:http';
import sinon from 'sinon';
import { sendComet } from '../../src/http/send-comet.js';
import { cometHub, SlowConsumerError, type HubSubscription } from '../../src/hub/index.js';
import { PARKED, readyPullKey, readyPullOf, USE_NEXT, wake, type ReadySink } from '../../src/util/ready.js';
import { listen, open, reader, type Listening } from '../support/loopback.js';
import { until } from '../support/timing.js';

describe('hub subscriptions read without promises', () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Serves every request from a new subscription of `subscribe`, spying on its next() and the response's write(). */
  async function serve(subscribe: () => HubSubscription<string>) {
    const served: { sub: HubSubscription<string>; next: sinon.SinonSpy; write: sinon.SinonSpy; done: Promise<unknown> }[] = [];
    server = await listen((_req, res: http.ServerResponse) => {
      const sub = subscribe();
      const next = sinon.spy(sub, 'next');
      const write = sinon.spy(res, 'write');
      served.push({ sub, next, write, done: sendComet(res, sub).catch((error: unknown) => error) });
    });
    return served;
  }

  it('writes each publish once and the burst of one turn as one write, calling next() only for the end', async () => {
    const hub = cometHub<string>('parent.m', { kind: 'string', initialChunk: null });
    const served = await serve(() => hub.subscribe());
    const { res } = await open(server!.url);
    const body = reader(res);
    await until(() => hub.size === 1);
    hub.publish('a');
    await until(() => body.text().includes("'a'"));
    hub.publish('b');
    hub.publish('c');
    hub.publish('d');
    await until(() => body.text().includes("'d'"));
    const [{ next, write, done }] = served;
    expect(write.callCount).to.equal(2);
    expect(String(write.secondCall.args[0])).to.match(/'b'.*'c'.*'d'/s);
    expect(next.callCount).to.equal(0);
    hub.close();
    expect(await done).to.equal('end');
    expect(await body.ended).to.equal('end');
    expect(next.callCount).to.equal(1);
  });

  it('wakes a parked reader when its subscriber is cut off: what waited is written, then the stream fails', async () => {
    const hub = cometHub<string>('parent.m', { kind: 'string', initialChunk: null, policy: 'disconnect', limit: 2 });
    const served = await serve(() => hub.subscribe());
    const { res } = await open(server!.url);
    const body = reader(res);
    await until(() => hub.size === 1);
    for (const m of ['a', 'b', 'c']) hub.publish(m);
    expect(await served[0]!.done).to.be.instanceOf(SlowConsumerError);
    expect(await body.ended).to.equal('aborted');
    expect(body.text()).to.match(/'a'.*'b'/s).and.not.include("'c'");
    expect(hub.size).to.equal(0);
  });

  it('lets a parked subscriber go when its client leaves', async () => {
    const hub = cometHub<string>('parent.m');
    const served = await serve(() => hub.subscribe({ topics: ['t'] }));
    const { req } = await open(server!.url);
    await until(() => hub.size === 1);
    req.destroy();
    expect(await served[0]!.done).to.equal('client-gone');
    expect(hub.size).to.equal(0);
    hub.publish('after', { topic: 't' });
    expect(hub.stats().topics).to.equal(0);
    hub.close();
  });

  it('reads the replay and what waits at once, parks when nothing waits, and says to use next() once stopped', async () => {
    const hub = cometHub<string>('parent.m', { kind: 'string', initialChunk: null, history: 5 });
    hub.publish('old');
    const sub = hub.subscribe({ since: 0 });
    const sink: ReadySink = { ready: sinon.spy() };
    expect(readyPullOf(sub)).to.equal(sub);
    const read = (): unknown => readyPullOf(sub)![readyPullKey](sink);
    expect(read()).to.include("'old'");
    expect(read()).to.equal(PARKED);
    hub.publish('x');
    hub.publish('y');
    const told = sink.ready as sinon.SinonSpy;
    expect(told.callCount).to.equal(0);
    await until(() => told.callCount === 1);
    expect(read()).to.match(/'x'.*'y'/s);
    expect(read()).to.equal(PARKED);
    await sub.return();
    expect(read()).to.equal(USE_NEXT);
    hub.close();
  });

  it('tells every woken sink in one microtask, in order, and one woken meanwhile in the same turn', async () => {
    const told: string[] = [];
    const late: ReadySink = { ready: () => told.push('late') };
    const first: ReadySink = {
      ready: () => {
        told.push('first');
        wake(late);
      },
    };
    const second: ReadySink = { ready: () => told.push('second') };
    wake(first);
    wake(second);
    expect(told).to.deep.equal([]);
    await Promise.resolve();
    expect(told).to.deep.equal(['first', 'second', 'late']);
  });
});
