/**
 * The hub's counters add up: every message offered to a subscriber is delivered, dropped, lost to
 * a subscriber cut off for slowness, discarded when its subscriber stopped, or still waiting. That
 * holds on hubs whose Comet subscribers get an initial chunk first too, and on hubs serving both
 * kinds of client (frames made lazily, cursors waiting ahead of the hub).
 */
import { expect } from 'chai';
import { cometHub, createHub, SlowConsumerError, type HubStats, type HubSubscription, type SlowConsumerPolicy } from '../../../src/hub/index.js';
import { sse } from '../fixtures/sse.js';
import { turn, until } from '../../support/timing.js';

function accounted(s: HubStats): number {
  return s.delivered + s.dropped['drop-oldest'] + s.dropped['drop-newest'] + s.cutOff + s.discarded + s.waiting;
}

/** Reads everything; each message is one 'x', so a coalesced value counts its messages by length. */
function reader(sub: HubSubscription<string>): { count: number; done: Promise<unknown> } {
  const state = { count: 0, done: Promise.resolve() as Promise<unknown> };
  state.done = (async () => {
    for await (const value of sub) state.count += value.length;
  })().catch((error: unknown) => error);
  return state;
}

const SUBSCRIBERS = 500;
const PAUSED = 20;
const MESSAGES = 200;
const LIMIT = 16;
const BURST = 8;

describe('hub counters: offered = delivered + dropped + cut off + discarded + waiting', () => {
  for (const policy of ['drop-oldest', 'drop-newest', 'disconnect'] as SlowConsumerPolicy[]) {
    for (const coalesce of [true, false]) {
      it(`${SUBSCRIBERS} subscribers, ${PAUSED} never reading, '${policy}', coalesce ${coalesce ? 'on' : 'off'}`, async () => {
        const hub = createHub<string>({ policy, limit: LIMIT, ...(coalesce ? { coalesce: (v: string[]) => v.join('') } : {}) });
        const paused = Array.from({ length: PAUSED }, () => hub.subscribe());
        const readers = Array.from({ length: SUBSCRIBERS - PAUSED }, () => reader(hub.subscribe()));
        for (let sent = 0; sent < MESSAGES; sent += BURST) {
          for (let i = 0; i < BURST; i++) hub.publish('x');
          await until(() => readers.every((r) => r.count === sent + BURST), { what: 'the readers to catch up' });
        }
        await turn();

        const live = SUBSCRIBERS - PAUSED;
        const s = hub.stats();
        expect(s.offered).to.equal(accounted(s));
        expect(s.delivered).to.equal(readers.reduce((n, r) => n + r.count, 0));
        expect(s.delivered).to.equal(live * MESSAGES);
        expect(s.discarded).to.equal(0);
        if (policy === 'disconnect') {
          // each paused one was offered messages until the one that overflowed it
          expect(s.offered).to.equal(live * MESSAGES + PAUSED * (LIMIT + 1));
          expect(s.cutOff).to.equal(PAUSED * (LIMIT + 1));
          expect(s.disconnectedForSlowness).to.equal(PAUSED);
          expect(s.waiting).to.equal(0);
          expect(s.subscribers).to.equal(live);
        } else {
          expect(s.offered).to.equal(SUBSCRIBERS * MESSAGES);
          expect(s.dropped[policy]).to.equal(PAUSED * (MESSAGES - LIMIT));
          expect(s.waiting).to.equal(PAUSED * LIMIT);
          expect(s.cutOff).to.equal(0);
          expect(s.subscribers).to.equal(SUBSCRIBERS);
        }

        // the paused ones stop: what they held is discarded, unless it was already lost to slowness
        await Promise.all(paused.map((p) => p.return()));
        const after = hub.stats();
        expect(after.offered).to.equal(accounted(after));
        expect(after.waiting).to.equal(0);
        expect(after.discarded).to.equal(policy === 'disconnect' ? 0 : PAUSED * LIMIT);
        expect(after.cutOff).to.equal(s.cutOff);
        // once the cut ones stopped, what they left unread is lost for good: the never-decreasing figure catches up
        expect(s.lostToSlowness).to.equal(policy === 'disconnect' ? PAUSED : 0);
        expect(after.lostToSlowness).to.equal(after.cutOff);
        hub.close();
        await Promise.all(readers.map((r) => r.done));
        const closed = hub.stats();
        expect(closed.subscribers).to.equal(0);
        expect(closed.offered).to.equal(accounted(closed));
      });
    }
  }

  it('a subscriber cut off for slowness that reads what it held moves it from cutOff to delivered', async () => {
    const hub = createHub<string>({ limit: 3 });
    const slow = hub.subscribe();
    for (let i = 0; i < 4; i++) hub.publish('x');
    expect(hub.stats()).to.include({ offered: 4, cutOff: 4, delivered: 0 });
    expect(await slow.next()).to.deep.equal({ value: 'x', done: false });
    expect(hub.stats()).to.include({ offered: 4, cutOff: 3, delivered: 1 });
    await slow.next();
    await slow.next();
    expect(await slow.next().then(() => null, (e: unknown) => e)).to.be.instanceOf(SlowConsumerError);
    expect(hub.stats()).to.include({ offered: 4, cutOff: 1, delivered: 3, discarded: 0, waiting: 0 });
  });

  it('replayed messages are offered too, and count as waiting until read or discarded', async () => {
    const hub = createHub<number>({ history: 10 });
    for (let i = 1; i <= 5; i++) hub.publish(i);
    const a = hub.subscribe({ since: 2 });
    const b = hub.subscribe({ since: 0 });
    expect(hub.stats()).to.include({ offered: 8, waiting: 8, delivered: 0 });
    await a.next();
    await b.return();
    const s = hub.stats();
    expect(s).to.include({ offered: 8, waiting: 2, delivered: 1, discarded: 5 });
    const aborted = new AbortController();
    const c = hub.subscribe({ since: 3, signal: aborted.signal });
    hub.publish(6);
    aborted.abort();
    expect(hub.stats()).to.include({ offered: 8 + 2 + 2, discarded: 5 + 3, subscribers: 1 });
    expect(await c.next().then(() => null, (e: unknown) => e)).to.have.property('name', 'AbortError');
    hub.close();
  });
});

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
