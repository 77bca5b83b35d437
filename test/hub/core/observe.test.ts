/**
 * What a hub counts for its metrics (`stats().connections`, `opened`, `replayed`, `missed`,
 * `resets`, `lostToSlowness`) and the observer port the metrics attach through: told of the
 * subscribers there, of each one that joins or leaves (with how long it stayed, when it was seen
 * joining) and of each message fanned out; detached, it is told nothing more.
 */
import { expect } from 'chai';
import { cometHub, createHub, SlowConsumerError } from '../../../src/index.js';
import type { HubCore } from '../../../src/hub/core/core.js';
import { observeKey, Observers, type HubObserver, type ObservableHub, type Transport } from '../../../src/hub/core/observe.js';
import { sse } from '../fixtures/sse.js';

const CB = 'parent.cb';

/** A subscriber as `hub.serve` makes one for a forever iframe. */
function iframe(hub: object, options = {}) {
  return (hub as { core: HubCore<string> }).core.subscribe(options, 'subscribe', { kind: 'comet', preface: () => '<open>' });
}

/** An observer that writes down what it is told. */
function recorder() {
  const events: (string | number | undefined)[][] = [];
  const observer: Required<Pick<HubObserver, 'joined' | 'left' | 'published'>> = {
    joined: (t: Transport, topics) => void events.push(['joined', t, topics.map((x) => x.name).join(',')]),
    left: (t: Transport, topics, seconds) => void events.push(['left', t, topics.map((x) => x.name).join(','), seconds === undefined ? 'untimed' : 'timed']),
    published: (topic) => void events.push(['published', topic]),
  };
  return { events, observer };
}

describe('hub counters for metrics', () => {
  it('counts subscribers now and ever by transport: iframe and eventsource from the protocol layer, subscribe from hub.subscribe()', async () => {
    const hub = cometHub<number>(CB);
    const a = iframe(hub);
    const b = sse(hub);
    const c = sse(hub);
    const d = hub.subscribe();
    expect(hub.stats().connections).to.deep.equal({ iframe: 1, eventsource: 2, subscribe: 1 });
    expect(hub.stats().opened).to.deep.equal({ iframe: 1, eventsource: 2, subscribe: 1 });
    await b.return();
    await d.return();
    const s = hub.stats();
    expect(s.connections).to.deep.equal({ iframe: 1, eventsource: 1, subscribe: 0 });
    expect(s.opened).to.deep.equal({ iframe: 1, eventsource: 2, subscribe: 1 });
    expect(s.connections.iframe + s.connections.eventsource + s.connections.subscribe).to.equal(s.subscribers);
    hub.close();
    expect(hub.stats().connections).to.deep.equal({ iframe: 0, eventsource: 0, subscribe: 0 });
    // a subscriber of a closed hub never joined
    hub.subscribe();
    expect(hub.stats().opened).to.deep.equal({ iframe: 1, eventsource: 2, subscribe: 1 });
    void a;
    void c;
  });

  it('counts what was replayed, the missed told, and the resets', () => {
    const hub = createHub<number>({ history: 3 });
    for (let i = 1; i <= 10; i++) hub.publish(i);
    hub.subscribe({ since: 8, epoch: hub.epoch }); // replays 9, 10
    hub.subscribe({ since: 2, epoch: hub.epoch }); // replays 8..10, missed 3..7
    hub.subscribe({ since: 5, epoch: 'another-epoch' }); // reset: replays 8..10, missed 1..7
    hub.subscribe(); // live only
    const s = hub.stats();
    expect(s).to.include({ replayed: 2 + 3 + 3, missed: 5 + 7, resets: 1 });
    expect(s.offered).to.equal(s.replayed);
    hub.close();
  });

  it('lostToSlowness: the message that overflowed at once, what the cut subscriber held once it stops unread; it never goes down', async () => {
    const hub = createHub<string>({ limit: 3 });
    const read = hub.subscribe();
    const dropped = hub.subscribe();
    for (let i = 0; i < 4; i++) hub.publish('x');
    // each held 3 and lost the 4th: all 8 count in cutOff, the 2 that overflowed are lost for good
    expect(hub.stats()).to.include({ cutOff: 8, lostToSlowness: 2, disconnectedForSlowness: 2 });
    // one reads all it held: those move to delivered, and were never lost
    await read.next();
    await read.next();
    await read.next();
    expect(await read.next().then(() => null, (e: unknown) => e)).to.be.instanceOf(SlowConsumerError);
    expect(hub.stats()).to.include({ cutOff: 5, lostToSlowness: 2, delivered: 3 });
    // the other reads one, then stops: the two it leaves unread are lost for good
    await dropped.next();
    await dropped.return();
    expect(hub.stats()).to.include({ cutOff: 4, lostToSlowness: 4, delivered: 4, discarded: 0 });
  });
});

describe('the observer port', () => {
  it('tells an observer of the subscribers there, then of joins, leaves and messages, until detached', async () => {
    const hub = cometHub<number>(CB);
    const before = iframe(hub, { topics: ['a', 'b'] });
    const { events, observer } = recorder();
    const detach = (hub as unknown as ObservableHub)[observeKey](observer);
    expect(events).to.deep.equal([['joined', 'iframe', 'a,b']]);
    const after = sse(hub, { topics: ['c'] });
    hub.publish(1, { topic: 'c' });
    await after.return();
    await before.return();
    expect(events.slice(1)).to.deep.equal([
      ['joined', 'eventsource', 'c'],
      ['published', 'c'],
      ['left', 'eventsource', 'c', 'timed'],
      // joined before the observer: its start was not taken
      ['left', 'iframe', 'a,b', 'untimed'],
    ]);
    detach();
    detach();
    hub.subscribe();
    hub.publish(2);
    expect(events).to.have.length(5);
    hub.close();
  });

  it('times a stay with the clock: the seconds given cover the time between join and leave', async () => {
    const hub = createHub<number>();
    const stays: number[] = [];
    (hub as unknown as ObservableHub)[observeKey]({ left: (_t, _topics, seconds) => void stays.push(seconds!) });
    const t0 = performance.now();
    const sub = hub.subscribe();
    const joined = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const leaving = performance.now();
    await sub.return();
    const t1 = performance.now();
    expect(stays).to.have.length(1);
    expect(stays[0]!).to.be.at.least((leaving - joined) / 1000);
    expect(stays[0]!).to.be.at.most((t1 - t0) / 1000);
  });

  it('Observers: every observer attached is listed, each detach removes only its own, and none leaves the shared empty list', () => {
    const observers = new Observers();
    const empty = observers.list;
    const a: HubObserver = {};
    const b: HubObserver = {};
    const detachA = observers.add(a);
    const detachB = observers.add(b);
    expect(observers.list).to.deep.equal([a, b]);
    detachA();
    detachA();
    expect(observers.list).to.have.length(1);
    expect(observers.list[0]).to.equal(b);
    detachB();
    expect(observers.list).to.equal(empty);
  });
});
