/**
 * The hub's counters add up: every message offered to a subscriber is delivered, dropped, lost to
 * a subscriber cut off for slowness, discarded when its subscriber stopped, or still waiting.
 */
import { expect } from 'chai';
import { createHub, SlowConsumerError, type HubStats, type HubSubscription, type SlowConsumerPolicy } from '../../src/hub/index.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await turn();
  if (!check()) throw new Error(`timed out waiting for ${what}`);
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
          await until(() => readers.every((r) => r.count === sent + BURST), 'the readers to catch up');
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
