/**
 * Frames made at most once per kind: with a finite `maxMessageBytes` the Comet chunk made at
 * publish (to check its size) is the one a later Comet subscriber replays.
 */
import { expect } from 'chai';
import { Comet, cometHub, type HubSubscription } from '../../src/index.js';
import { sse } from './fixtures/sse.js';
import { take } from './fixtures/take.js';

const CB = 'parent.cometMessage';


describe('frames made once per kind, with a finite maxMessageBytes', () => {
  it('a Comet subscriber replaying messages published while only SSE ones listened gets the chunks made at publish', async () => {
    const hub = cometHub<number>(CB, { history: 10, initialChunk: null, maxMessageBytes: 1000 });
    sse(hub);
    for (let i = 1; i <= 3; i++) hub.publish(i);
    expect(hub.stats().encoded).to.deep.equal({ comet: 3, sse: 3 });
    const late = hub.subscribe({ since: 0 });
    const again = hub.subscribe({ since: 1 });
    expect(hub.stats().encoded, 'no chunk made twice').to.deep.equal({ comet: 3, sse: 3 });
    const comet = Comet.encoder('json', CB, { initialChunk: null });
    expect(await take(late, 1)).to.deep.equal([[1, 2, 3].map((n) => comet.encode(n, n, n)).join('')]);
    expect(await take(again, 1)).to.deep.equal([[2, 3].map((n) => comet.encode(n, n, n)).join('')]);
  });
});
