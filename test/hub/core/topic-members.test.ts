import { expect } from 'chai';
import { createHub } from '../../../src/hub/index.js';
import { collect } from '../../support/collect.js';

describe('createHub: the subscribers of a topic', () => {
  it('delivers to one, then two, then the one left, then none (the topic forgotten), and each only its own topics', async () => {
    const hub = createHub<string>();
    const read = async (sub: AsyncIterator<string>, n: number): Promise<string[]> => {
      const got: string[] = [];
      for (let i = 0; i < n; i++) got.push((await sub.next()).value as string);
      return got;
    };
    const first = hub.subscribe({ topics: ['a'] });
    const other = hub.subscribe({ topics: ['b'] });
    hub.publish('1', { topic: 'a' });
    const second = hub.subscribe({ topics: ['a', 'b'] });
    hub.publish('2', { topic: 'a' });
    hub.publish('3', { topic: 'b' });
    expect(await read(first, 2)).to.deep.equal(['1', '2']);
    await first.return();
    hub.publish('4', { topic: 'a' });
    expect(hub.stats()).to.include({ subscribers: 2, topics: 2 });
    expect(await read(second, 3)).to.deep.equal(['2', '3', '4']);
    await second.return();
    expect(hub.stats()).to.include({ subscribers: 1, topics: 1 });
    hub.publish('5', { topic: 'a' });
    const third = hub.subscribe({ topics: ['a'] });
    hub.publish('6', { topic: 'a' });
    hub.close();
    expect(await collect(other)).to.deep.equal(['3']);
    expect(await collect(third)).to.deep.equal(['6']);
  });

  it('a subscriber that joins a topic after the one it had left is a new one: it gets what comes after it', async () => {
    const hub = createHub<number>();
    const subs = Array.from({ length: 3 }, () => hub.subscribe({ topics: ['t'] }));
    hub.publish(1, { topic: 't' });
    await subs[0]!.return();
    await subs[1]!.return();
    const late = hub.subscribe({ topics: ['t'] });
    hub.publish(2, { topic: 't' });
    hub.close();
    expect(await collect(subs[2]!)).to.deep.equal([1, 2]);
    expect(await collect(late)).to.deep.equal([2]);
  });
});
