import { expect } from 'chai';
import sinon from 'sinon';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { StreamReader, type ReaderSink } from '../../../src/hub/redis/reader.js';

type Pending = { args: string[]; resolve(reply: unknown): void };

/** A link whose commands wait until the test answers them, one at a time, in order. */
function fakeLink(): { link: RedisLink; next(): Promise<Pending> } {
  const queue: Pending[] = [];
  let waiter: ((p: Pending) => void) | null = null;
  const link: RedisLink = {
    flavor: 'node-redis',
    ready: true,
    command: (args) =>
      new Promise((resolve) => {
        const p = { args, resolve };
        if (waiter) {
          const w = waiter;
          waiter = null;
          w(p);
        } else queue.push(p);
      }),
    watch: () => () => {},
    destroy: () => {},
  };
  const next = (): Promise<Pending> => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => (waiter = r)));
  return { link, next };
}

/** Answers the read of the hub's counter that a batch above it makes, before anything is delivered. */
async function counter(next: () => Promise<Pending>, given: number): Promise<void> {
  const read = await next();
  expect(read.args).to.deep.equal(['HGET', 'h', 'id']);
  read.resolve(String(given));
}

const entry = (n: number): unknown[] => [`${n}-0`, ['id', String(n), 'epoch', 'ep', 'data', `"m${n}"`]];
const xread = (...ids: number[]): unknown => [['s', ids.map(entry)]];

describe('Redis hub stream reader', () => {
  async function started(): Promise<{ reader: StreamReader; next: () => Promise<Pending>; deliver: sinon.SinonSpy }> {
    const { link, next } = fakeLink();
    const deliver = sinon.spy((_id: number, _data: string, _topic: string) => true);
    const sink: ReaderSink = { epoch: () => {}, caughtUp: () => {}, deliver, gap: () => {}, changed: () => {} };
    const reader = new StreamReader({ link, stream: 's', hash: 'h', channel: 's', history: 10, secret: undefined, blockMs: 1000, sink });
    const starting = reader.start();
    const snapshot = await next();
    expect(snapshot.args[0]).to.equal('EVAL');
    snapshot.resolve(['ep', '0', []]);
    await starting;
    return { reader, next, deliver };
  }

  it('follows a blocking read that returned one entry with a non-blocking one, and delivers both replies together, in order', async () => {
    const { reader, next, deliver } = await started();
    const first = await next();
    expect(first.args).to.deep.equal(['XREAD', 'COUNT', '1000', 'BLOCK', '1000', 'STREAMS', 's', '0-0']);
    first.resolve(xread(1));
    const followUp = await next();
    expect(followUp.args).to.deep.equal(['XREAD', 'COUNT', '1000', 'STREAMS', 's', '1-0']);
    expect(deliver.called, 'nothing delivered before the follow-up answers').to.equal(false);
    followUp.resolve(xread(2, 3));
    await counter(next, 3);
    const after = await next();
    expect(deliver.args).to.deep.equal([[1, '"m1"', ''], [2, '"m2"', ''], [3, '"m3"', '']]);
    expect(after.args).to.deep.equal(['XREAD', 'COUNT', '1000', 'BLOCK', '1000', 'STREAMS', 's', '3-0']);
    reader.close(() => {});
  });

  it('delivers a lone entry once the follow-up read finds nothing after it', async () => {
    const { reader, next, deliver } = await started();
    (await next()).resolve(xread(1));
    const followUp = await next();
    expect(followUp.args).to.not.include('BLOCK');
    followUp.resolve(null);
    await counter(next, 1);
    const after = await next();
    expect(deliver.args).to.deep.equal([[1, '"m1"', '']]);
    expect(after.args.at(-1)).to.equal('1-0');
    expect(after.args).to.include('BLOCK');
    reader.close(() => {});
  });

  it('skips an entry above the counter (a foreign next id), counted once, without delivering it', async () => {
    const { reader, next, deliver } = await started();
    (await next()).resolve(xread(1, 2));
    await counter(next, 1);
    await next();
    expect(deliver.args.map((a) => a[0])).to.deep.equal([1]);
    expect(reader.malformed).to.equal(1);
    reader.close(() => {});
  });

  it('sends no follow-up read after a reply of several entries', async () => {
    const { reader, next, deliver } = await started();
    (await next()).resolve(xread(1, 2));
    await counter(next, 2);
    const after = await next();
    expect(deliver.args.map((a) => a[0])).to.deep.equal([1, 2]);
    expect(after.args).to.deep.equal(['XREAD', 'COUNT', '1000', 'BLOCK', '1000', 'STREAMS', 's', '2-0']);
    reader.close(() => {});
  });

  it('reads the epoch again after a blocking read that found nothing, and enters a new one with its history', async () => {
    const { link, next } = fakeLink();
    const deliver = sinon.spy((_id: number, _data: string, _topic: string) => true);
    const epochs: string[] = [];
    const sink: ReaderSink = { epoch: (e) => void epochs.push(e), caughtUp: () => {}, deliver, gap: () => {}, changed: () => {} };
    const reader = new StreamReader({ link, stream: 's', hash: 'h', channel: 's', history: 10, secret: undefined, blockMs: 1000, sink });
    const starting = reader.start();
    (await next()).resolve(['ep', '0', []]);
    await starting;
    (await next()).resolve(null); // BLOCK elapsed: nothing new
    const again = await next();
    expect(again.args[0]).to.equal('EVAL');
    expect(again.args.slice(-3), 'the epoch and position it knows').to.deep.equal(['ep', '0', '10']);
    // a stream made again whose first entry sits at a stream id no later read would return
    again.resolve(['ep2', '1', [['5-0', ['id', '1', 'epoch', 'ep2', 'data', '"n1"']]]]);
    const after = await next();
    expect(epochs).to.deep.equal(['ep', 'ep2']);
    expect(deliver.args).to.deep.equal([[1, '"n1"', '']]);
    expect(after.args).to.deep.equal(['XREAD', 'COUNT', '1000', 'BLOCK', '1000', 'STREAMS', 's', '5-0']);
    reader.close(() => {});
  });

  it('after a blocking read that found nothing, an unchanged epoch goes on reading from the same stream id', async () => {
    const { reader, next } = await started();
    (await next()).resolve(xread(1, 2));
    await counter(next, 2);
    (await next()).resolve(null);
    const check = await next();
    expect(check.args[0]).to.equal('EVAL');
    check.resolve(['ep', '2']);
    expect((await next()).args).to.deep.equal(['XREAD', 'COUNT', '1000', 'BLOCK', '1000', 'STREAMS', 's', '2-0']);
    reader.close(() => {});
  });
});
