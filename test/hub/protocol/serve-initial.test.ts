/**
 * hub.serve and hub.fetch with a hub whose `initial` is not its encoding's initial chunk: the `open` control
 * still follows the chunk the hub gives first, whatever it is.
 */
import { expect } from 'chai';
import { cometEncoding, createHub } from '../../../src/index.js';
import { CB, calls, read } from '../fixtures/serve.js';
import { edges } from './fixtures/edges.js';

for (const edge of edges) {
  describe(`${edge.name} with an initial item of the hub’s own`, function () {
    this.timeout(10_000);

    for (const [name, initial] of [['a page head', '<html><body>'], ['no initial item', undefined]] as const) {
      it(`${name}: the open control comes first, after it`, async () => {
        const hub = createHub({ ...cometEncoding<number>(CB), initial, history: 10 });
        const s = await edge.serverFor(hub);
        try {
          hub.publish(1);
          const answer = await read(s.port, '/live?epoch=' + hub.epoch + '&since=0', (body) => calls(body).length >= 2);
          expect(answer.body.startsWith(initial ?? '<script')).to.equal(true);
          const got = calls(answer.body);
          expect(got[0]!.value).to.include({ type: 'open', since: 0, lastId: 1 });
          expect(got[0]!.id).to.equal(0);
          expect(got[1]).to.deep.equal({ value: 1, id: 1 });
        } finally {
          await s.close();
        }
      });
    }
  });
}
