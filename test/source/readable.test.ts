import { expect } from 'chai';
import { Readable } from 'node:stream';
import { fromReadable } from '../../src/source/index.js';
import { turn } from '../support/timing.js';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('fromReadable', () => {
  it('never makes the stream read ahead more than its highWaterMark (object mode)', async () => {
    let reads = 0;
    const readable = new Readable({
      objectMode: true,
      highWaterMark: 4,
      read() {
        reads++;
        this.push(reads);
      },
    });
    const it = fromReadable<number>(readable);
    for (let i = 0; i < 5; i++) await turn(); // a consumer that has not asked yet
    expect([reads, readable.readableLength]).to.deep.equal([4, 4]);
    for (let consumed = 1; consumed <= 10; consumed++) {
      expect((await it.next()).value).to.equal(consumed);
      await turn();
      expect([reads, readable.readableLength, it.stats.buffered]).to.deep.equal([consumed + 4, 4, 4]);
    }
    await it.return();
    expect(readable.destroyed).to.equal(true);
  });

  it('lets a byte stream buffer only as its highWaterMark allows', async () => {
    let reads = 0;
    const readable = new Readable({
      highWaterMark: 10,
      read() {
        reads++;
        this.push(Buffer.alloc(4, reads));
      },
    });
    const it = fromReadable<Buffer>(readable);
    await turn();
    expect([reads, readable.readableLength]).to.deep.equal([3, 12]); // 0, 4, 8 < 10: three reads
    // read() takes the whole buffer up to Node 24, only the first chunk from Node 26; the stream asks
    // for one more chunk first, then refills to 12 again
    const first = (await it.next()).value as Buffer;
    const taken = first.length / 4;
    expect(taken).to.be.oneOf([1, 4]);
    expect([...first]).to.deep.equal([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4].slice(0, first.length));
    await turn();
    expect([reads, readable.readableLength]).to.deep.equal([taken + 3, 12]);
    for (let i = 0; i < 5; i++) await turn();
    expect(reads).to.equal(taken + 3);
    await it.return();
  });

  it('yields Buffers from a byte stream', async () => {
    const chunks = await all(fromReadable(Readable.from([Buffer.from('ab'), Buffer.from('c')], { objectMode: false })));
    expect(chunks.every((c) => Buffer.isBuffer(c))).to.equal(true);
    expect(Buffer.concat(chunks as Buffer[]).toString()).to.equal('abc');
  });

  it('decodes with encoding, never splitting a multi-byte character', async () => {
    const euro = Buffer.from('€', 'utf8');
    const readable = new Readable({ read() {} });
    const it = fromReadable<string>(readable, { encoding: 'utf8' });
    readable.push(euro.subarray(0, 2));
    const pending = it.next();
    await turn();
    readable.push(euro.subarray(2));
    readable.push(null);
    const text = [(await pending).value, ...(await all(it))].join('');
    expect(text).to.equal('€');
  });

  it('yields the objects of an object-mode stream, falsy ones included', async () => {
    const values = [0, '', false, { a: 1 }, [2]];
    expect(await all(fromReadable(Readable.from(values)))).to.deep.equal(values);
  });

  it('leaves the stream open on return() with destroyOnReturn: false', async () => {
    const readable = Readable.from([1, 2, 3]);
    const first = fromReadable<number>(readable, { destroyOnReturn: false });
    for await (const v of first) {
      expect(v).to.equal(1);
      break;
    }
    expect(readable.destroyed).to.equal(false);
    expect(readable.listenerCount('readable') + readable.listenerCount('end')).to.equal(0);
    expect(await all(fromReadable(readable))).to.deep.equal([2, 3]);
  });

  it('ends when the stream is destroyed without an error', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    const it = fromReadable(readable);
    const pending = it.next();
    readable.destroy();
    expect(await pending).to.deep.equal({ value: undefined, done: true });
  });

  it('fails when the stream is destroyed with an error', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    const it = fromReadable(readable);
    const pending = it.next();
    const boom = new Error('boom');
    readable.destroy(boom);
    expect(await pending.catch((e: unknown) => e)).to.equal(boom);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('reports a stream that was destroyed with an error before it was given', async () => {
    const readable = new Readable({ read() {} });
    const boom = new Error('early');
    readable.destroy(boom); // its 'error' event is still to come: the adapter takes it
    const it = fromReadable(readable);
    expect(await it.next().catch((e: unknown) => e)).to.equal(boom);
    await turn();
    expect(readable.listenerCount('error')).to.equal(0);
  });

  it('is done at once for a stream that has already ended', async () => {
    const readable = Readable.from([]);
    await all(readable);
    expect(readable.readableEnded).to.equal(true);
    expect(await fromReadable(readable).next()).to.deep.equal({ value: undefined, done: true });
  });

  it('refuses what is not a Readable, and bad options, with TypeErrors', () => {
    expect(() => fromReadable({} as never)).to.throw(TypeError, /expected a Node Readable stream, got a plain object/);
    expect(() => fromReadable(null as never)).to.throw(TypeError, /got null/);
    expect(() => fromReadable(new Readable(), { encoding: 'klingon' as never })).to.throw(TypeError, /'utf8'/);
    expect(() => fromReadable(new Readable({ objectMode: true }), { encoding: 'utf8' })).to.throw(TypeError, /object-mode/);
    expect(() => fromReadable(new Readable(), { destroyOnReturn: 'yes' as never })).to.throw(TypeError, /destroyOnReturn/);
    expect(() => fromReadable(new Readable(), { signal: 'x' as never })).to.throw(TypeError, /AbortSignal/);
  });
});
