import { expect } from 'chai';
import { createHub, type Hub } from '../../../src/hub/index.js';
import { collect } from '../../support/collect.js';

/** A new subscriber on `topic` from id 0, and what it missed (read it once the hub is closed). */
function replayOf(hub: Hub<string, string>, topic: string) {
  const sub = hub.subscribe({ topics: [topic], since: 0 });
  return { sub, missed: sub.missed };
}

describe('createHub: historyTotal takes the least recently published topic first', () => {
  it('evicts by last publish, not by first publish, and a topic published again goes last', async () => {
    const hub = createHub<string>({ history: 5, historyTotal: 4 });
    hub.publish('a1', { topic: 'a' });
    hub.publish('b1', { topic: 'b' });
    hub.publish('a2', { topic: 'a' });
    hub.publish('c1', { topic: 'c' });
    // by last publish after b2: a (id 3), c (id 4), b (id 5); five kept, so a gives a1
    hub.publish('b2', { topic: 'b' });
    expect(hub.stats().history).to.equal(4);
    // c (4), b (5), a (6): c gives c1 and, with no subscriber and no history left, is forgotten
    hub.publish('a3', { topic: 'a' });
    expect(hub.stats()).to.include({ history: 4, topics: 2 });
    // a (6), b (7): a gives a2
    hub.publish('b3', { topic: 'b' });
    expect(hub.stats()).to.include({ history: 4, topics: 2 });
    const a = replayOf(hub, 'a');
    const b = replayOf(hub, 'b');
    hub.close();
    expect(await collect(a.sub)).to.deep.equal(['a3']);
    expect(a.missed).to.equal(2);
    expect(await collect(b.sub)).to.deep.equal(['b1', 'b2', 'b3']);
    expect(b.missed).to.equal(0);
  });

  it('a topic whose history is full keeps its count: publishing to it again and again takes nothing from the others', async () => {
    const hub = createHub<string>({ history: 2, historyTotal: 2000 + 2 });
    for (let i = 0; i < 1000; i++) {
      hub.publish(`x${i}`, { topic: `t${i}` });
      hub.publish(`y${i}`, { topic: `t${i}` });
    }
    for (let i = 0; i < 5000; i++) hub.publish(`hot${i}`, { topic: 'hot' });
    expect(hub.stats()).to.include({ history: 2002, topics: 1001 });
    const quiet = replayOf(hub, 't0');
    const hot = replayOf(hub, 'hot');
    hub.close();
    expect(await collect(quiet.sub)).to.deep.equal(['x0', 'y0']);
    expect(quiet.missed).to.equal(0);
    expect(await collect(hot.sub)).to.deep.equal(['hot4998', 'hot4999']);
    expect(hot.missed).to.equal(4998);
  });

  it('counts in stats().history the messages kept, not those published', () => {
    const hub = createHub<number>({ history: 2 });
    for (let i = 0; i < 10; i++) hub.publish(i);
    hub.publish(10, { topic: 'other' });
    expect(hub.stats().history).to.equal(3);
    hub.close();
  });
});
