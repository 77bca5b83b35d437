/**
 * The counters' identity (offered = delivered + dropped + cutOff + discarded + waiting) on hubs
 * whose Comet subscribers get an initial chunk first, and on hubs serving both kinds of client
 * (frames made lazily, cursors waiting ahead of the hub).
 */
import { expect } from 'chai';
import { cometHub, SlowConsumerError, type HubStats, type HubSubscription, type SlowConsumerPolicy } from '../../src/index.js';
import { sse } from './fixtures/sse.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function accounted(s: HubStats): number {
  return s.delivered + s.dropped['drop-oldest'] + s.dropped['drop-newest'] + s.cutOff + s.discarded + s.waiting;
}


describe('hub counters with an initial chunk and two kinds of client', () => {
  it('the initial chunk is not a message: it is never counted as waiting, discarded or cut off', async () => {
    const hub = cometHub<number>('parent.cb');
    const idle = hub.subscribe();
    expect(hub.stats()).to.include({ offered: 0, waiting: 0 });
    hub.publish(1);
    expect(hub.stats()).to.include({ offered: 1, waiting: 1 });
    await idle.return();
    expect(hub.stats()).to.include({ offered: 1, waiting: 0, discarded: 1 });

    const slow = cometHub<number>('parent.cb', { limit: 2, policy: 'disconnect' });
    const stuck = slow.subscribe();
    for (let i = 0; i < 3; i++) slow.publish(i);
    // the two waiting and the one that overflowed
    expect(slow.stats()).to.include({ offered: 3, cutOff: 3, disconnectedForSlowness: 1 });
    const read: unknown[] = [];
    await (async () => {
      for await (const chunk of stuck) read.push(chunk);
    })().catch((error: unknown) => expect(error).to.be.instanceOf(SlowConsumerError));
    expect(read).to.have.length.greaterThan(0);
    expect(slow.stats()).to.include({ offered: 3, delivered: 2, cutOff: 1, waiting: 0 });
  });

  for (const policy of ['drop-oldest', 'drop-newest', 'disconnect'] as SlowConsumerPolicy[]) {
    for (const maxMessageBytes of [Infinity, 10_000]) {
      it(`adds up with Comet and SSE subscribers, replays and a waiting cursor ('${policy}', maxMessageBytes ${maxMessageBytes})`, async () => {
        const hub = cometHub<number>('parent.cb', { history: 5, limit: 3, policy, maxMessageBytes });
        const subs: HubSubscription<string>[] = [hub.subscribe(), sse(hub)];
        for (let i = 0; i < 4; i++) hub.publish(i);
        subs.push(sse(hub, { since: 0 }), hub.subscribe({ since: 1, epoch: hub.epoch }), sse(hub, { since: 10, epoch: hub.epoch }));
        const check = (when: string) => {
          const s = hub.stats();
          expect(accounted(s), `${when}: ${JSON.stringify(s)}`).to.equal(s.offered);
          return s;
        };
        check('after the replays');
        for (let i = 0; i < 10; i++) hub.publish(i);
        await turn();
        const busy = check('after the burst');
        expect(busy.offered).to.be.greaterThan(20);
        await subs[0]!.next();
        await subs[1]!.next().catch(() => undefined);
        await turn();
        check('after two reads');
        await Promise.all(subs.map((s) => s.return()));
        expect(check('after all stopped').waiting).to.equal(0);
      });
    }
  }
});
