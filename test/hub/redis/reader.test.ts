import { expect } from 'chai';
import sinon from 'sinon';
import type { RedisLink } from '../../../src/hub/redis/client.js';
import { StreamReader, type ReaderSink } from '../../../src/hub/redis/reader.js';
import { VERIFY_SCRIPT } from '../../../src/hub/redis/stream.js';

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

/** The records part of a script's reply: the last id recorded and the stream ids of the ids up to it (consecutive), oldest first. */
function recorded(records: Record<number, string>): [string, string[]] {
  const ids = Object.keys(records).map(Number).sort((a, b) => a - b);
  return ids.length === 0 ? ['0', []] : [String(ids.at(-1)), ids.map((id) => records[id]!)];
}

/**
 * Answers the check of a batch (the counter and the records of the ids it claims, from `low` to
 * `high`) that comes before anything of it is delivered; `records`: stream ids by id.
 */
async function counter(next: () => Promise<Pending>, given: number, [low, high]: [number, number] = [1, given], records: Record<number, string> = {}): Promise<void> {
  const read = await next();
  expect(read.args[0]).to.equal('EVAL');
  expect(read.args[1]).to.equal(VERIFY_SCRIPT);
  expect(read.args.slice(2), 'the keys and the ids claimed').to.deep.equal(['2', 'h', 'r', String(low), String(high)]);
  read.resolve([String(given), ...recorded(records)]);
}

const entry = (n: number): unknown[] => [`${n}-0`, ['id', String(n), 'epoch', 'ep', 'data', `"m${n}"`]];
const xread = (...ids: number[]): unknown => [['s', ids.map(entry)]];

describe('Redis hub stream reader', () => {
  /** A reader started with `snapshot` as the snapshot script's reply; `args`: what that script was sent. */
  async function started(snapshot: unknown = ['ep', '0', []]): Promise<{ reader: StreamReader; next: () => Promise<Pending>; deliver: sinon.SinonSpy; args: string[] }> {
    const { link, next } = fakeLink();
    const deliver = sinon.spy((_id: number, _data: string, _topic: string) => true);
    const sink: ReaderSink = { epoch: () => {}, caughtUp: () => {}, deliver, gap: () => {}, changed: () => {} };
    const reader = new StreamReader({ link, stream: 's', hash: 'h', records: 'r', channel: 's', history: 10, secret: undefined, blockMs: 1000, sink });
    const starting = reader.start();
    const asked = await next();
    expect(asked.args[0]).to.equal('EVAL');
    asked.resolve(snapshot);
    await starting;
    return { reader, next, deliver, args: asked.args };
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
    await counter(next, 1, [1, 2]);
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
    const reader = new StreamReader({ link, stream: 's', hash: 'h', records: 'r', channel: 's', history: 10, secret: undefined, blockMs: 1000, sink });
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

  /** An entry at stream id `sid` claiming id `n` in epoch `ep`, with `data`. */
  const at = (sid: string, n: number, data: string, ep = 'ep'): unknown[] => [sid, ['id', String(n), 'epoch', ep, 'data', data]];

  it('checks a batch against the records before delivering any of it: an entry whose id was given to another stream id is skipped, the recorded one delivered', async () => {
    const { reader, next, deliver } = await started();
    const read = await next();
    // a foreign entry claiming id 3 was added before the hub's own 3
    read.resolve([['s', [at('1-0', 1, '"m1"'), at('2-0', 2, '"m2"'), at('3-0', 3, '"forged"'), at('4-0', 3, '"m3"'), at('5-0', 4, '"m4"')]]]);
    const check = await next();
    expect(deliver.called, 'nothing delivered before the check answers').to.equal(false);
    expect(check.args.slice(2)).to.deep.equal(['2', 'h', 'r', '1', '4']);
    check.resolve(['4', ...recorded({ 1: '1-0', 2: '2-0', 3: '4-0', 4: '5-0' })]);
    const after = await next();
    expect(deliver.args).to.deep.equal([[1, '"m1"', ''], [2, '"m2"', ''], [3, '"m3"', ''], [4, '"m4"', '']]);
    expect(reader.malformed).to.equal(1);
    expect(after.args.at(-1), 'reading goes on after the whole batch').to.equal('5-0');
    // the same forged id again in a later batch: below the last delivered, skipped without a check
    after.resolve([['s', [at('6-0', 3, '"again"'), at('7-0', 5, '"m5"')]]]);
    await counter(next, 5, [5, 5], { 5: '7-0' });
    await next();
    expect(deliver.args.map((a) => a[1])).to.deep.equal(['"m1"', '"m2"', '"m3"', '"m4"', '"m5"']);
    expect(reader.malformed).to.equal(2);
    reader.close(() => {});
  });

  it('an entry whose id has no record (written by a publisher that keeps none) is the hub\'s when the counter gave its id', async () => {
    const { reader, next, deliver } = await started();
    (await next()).resolve([['s', [at('1-0', 1, '"m1"'), at('2-0', 2, '"m2"'), at('3-0', 3, '"m3"'), at('4-0', 4, '"m4"')]]]);
    // 3 is recorded (the records begun again with it); 1 and 2 are not, and the counter gave them; 4 is
    // not either, and the counter has not given it
    await counter(next, 3, [1, 4], { 3: '3-0' });
    await next();
    expect(deliver.args.map((a) => a[0])).to.deep.equal([1, 2, 3]);
    expect(reader.malformed).to.equal(1);
    reader.close(() => {});
  });

  it('checks the history of the snapshot against the records it returns, and counts each foreign entry once', async () => {
    // newest first: another epoch, a repeated 1, a far id, the hub's 2, a forged 2, the hub's 1, an entry of an older epoch
    const { reader, next, deliver, args } = await started(['ep', '2', [
      at('8-0', 9, '"elsewhere"', 'other'), at('7-0', 1, '"again"'), at('6-0', 1000, '"far"'), at('5-0', 2, '"m2"'),
      at('4-0', 2, '"forged"'), at('3-0', 1, '"m1"'), at('2-0', 7, '"old"', 'older'),
    ], ...recorded({ 1: '3-0', 2: '5-0' })]);
    expect(args.slice(2, 6), 'the keys of the snapshot').to.deep.equal(['3', 's', 'h', 'r']);
    const read = await next();
    expect(deliver.args).to.deep.equal([[1, '"m1"', ''], [2, '"m2"', '']]);
    expect(reader.malformed, 'the forged 2, the far id, the repeated 1 and the later entry of another epoch').to.equal(4);
    expect(read.args.at(-1)).to.equal('8-0');
    reader.close(() => {});
  });
});
