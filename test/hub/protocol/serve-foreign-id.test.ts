/**
 * A `Last-Event-ID` that no hub wrote (another server answered on this URL before, with ids of its
 * own) is a cursor of another epoch: the EventSource gets a reset and what the history holds, not
 * a 400 that would stop it for good. A malformed query still gets its 400.
 */
import { expect } from 'chai';
import { cometHub } from '../../../src/index.js';
import { CB, events, read, readEvents } from '../fixtures/serve.js';
import { edges } from './fixtures/edges.js';

const FOREIGN = ['42', 'abc', 'abc:', ':5', 'abc:05', 'abc:-1', 'a b:1', 'abc:1:2', `${'x'.repeat(65)}:1`, 'abc:9007199254740993'];

for (const edge of edges) {
  describe(`${edge.name} and a Last-Event-ID of another server`, function () {
    this.timeout(20_000);

    it('answers each with open (reset: true), a reset event, then the history', async () => {
      const hub = cometHub<number>(CB, { history: 2 });
      for (const v of [1, 2, 3]) hub.publish(v);
      const s = await edge.serverFor(hub);
      try {
        for (const id of FOREIGN) {
          const { status, body } = await readEvents(s.port, '/sse', 4, { 'last-event-id': id });
          expect(status, id).to.equal(200);
          const got = events(body).map((e) => [e.type, JSON.parse(e.data), e.lastEventId]);
          expect(got, id).to.deep.equal([
            ['$open', { type: 'open', epoch: hub.epoch, lastId: 3, since: 0, missed: 1, reset: true }, ''],
            ['$reset', { type: 'reset', epoch: hub.epoch }, ''],
            ['message', 2, `${hub.epoch}:2`],
            ['message', 3, `${hub.epoch}:3`],
          ]);
        }
        expect(s.results.filter((r) => r === 'bad-request')).to.deep.equal([]);
      } finally {
        await s.close();
      }
    });

    it('still answers a malformed ?lastEventId= with 400 when no header comes first', async () => {
      const hub = cometHub<number>(CB, { history: 2 });
      const s = await edge.serverFor(hub);
      try {
        const { status, body } = await read(s.port, '/sse?lastEventId=abc:01', undefined, 'GET', { accept: 'text/event-stream' });
        expect([status, body.includes('malformed cursor')]).to.deep.equal([400, true]);
      } finally {
        await s.close();
      }
    });
  });
}
