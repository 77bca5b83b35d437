import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import sinon from 'sinon';
import { BufferOverflowError } from '../../src/errors.js';
import { fromEventEmitter, pushQueue, type PushController, type SourceIterator } from '../../src/source/index.js';
import { rest } from './fixtures/helpers.js';
import { turn } from '../support/timing.js';

const counters = (it: SourceIterator<unknown>) => ({
  buffered: it.stats.buffered,
  dropped: it.stats.dropped,
  highWaterMark: it.stats.highWaterMark,
});

describe('overflow policies', () => {
  it("'error': yields the buffered values, fails once with BufferOverflowError, and unsubscribes at once", async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter<number>(ee, 'data', { buffer: { limit: 3, overflow: 'error' } });
    [1, 2, 3].forEach((v) => ee.emit('data', v));
    expect(ee.listenerCount('data')).to.equal(1);
    ee.emit('data', 4);
    expect(ee.listenerCount('data') + ee.listenerCount('end') + ee.listenerCount('error')).to.equal(0);
    expect(counters(it)).to.deep.equal({ buffered: 3, dropped: 0, highWaterMark: 3 });
    const { values, error } = await rest(it);
    expect(values).to.deep.equal([1, 2, 3]);
    expect(error).to.be.instanceOf(BufferOverflowError);
    expect(error).to.include({ limit: 3, code: 'ERR_COMET_BUFFER_OVERFLOW', name: 'BufferOverflowError' });
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
    expect(counters(it)).to.deep.equal({ buffered: 0, dropped: 0, highWaterMark: 3 });
  });

  it("'error' uses overflowError when given", async () => {
    class Full extends BufferOverflowError {
      override readonly code = 'ERR_FULL';
    }
    let ctl!: PushController<number>;
    const it = pushQueue<number>((c) => void (ctl = c), { buffer: { limit: 1 }, overflowError: (limit) => new Full(limit) });
    ctl.push(1);
    ctl.push(2);
    const { values, error } = await rest(it);
    expect(values).to.deep.equal([1]);
    expect(error).to.be.instanceOf(Full).and.include({ limit: 1, code: 'ERR_FULL' });
  });

  it("'drop-oldest': keeps the newest values and counts the dropped ones", async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter<number>(ee, 'data', { buffer: { limit: 3, overflow: 'drop-oldest' } });
    [1, 2, 3, 4, 5].forEach((v) => ee.emit('data', v));
    expect(counters(it)).to.deep.equal({ buffered: 3, dropped: 2, highWaterMark: 3 });
    expect((await it.next()).value).to.equal(3);
    [6, 7].forEach((v) => ee.emit('data', v));
    expect(counters(it)).to.deep.equal({ buffered: 3, dropped: 3, highWaterMark: 3 });
    ee.emit('end');
    expect(await rest(it)).to.deep.equal({ values: [5, 6, 7] });
  });

  it("'drop-newest': keeps the oldest values and counts the dropped ones", async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter<number>(ee, 'data', { buffer: { limit: 3, overflow: 'drop-newest' } });
    [1, 2, 3, 4, 5].forEach((v) => ee.emit('data', v));
    expect(counters(it)).to.deep.equal({ buffered: 3, dropped: 2, highWaterMark: 3 });
    expect((await it.next()).value).to.equal(1);
    [6, 7].forEach((v) => ee.emit('data', v));
    ee.emit('end');
    expect(await rest(it)).to.deep.equal({ values: [2, 3, 6] });
    expect(it.stats.dropped).to.equal(3);
  });

  it("'pause': pauses at the limit and resumes once drained below half", async () => {
    const pause = sinon.spy();
    const resume = sinon.spy();
    let ctl!: PushController<number>;
    const it = pushQueue<number>((c) => ((ctl = c), { teardown() {}, pause, resume }), { buffer: { limit: 4, overflow: 'pause' } });
    [1, 2, 3].forEach((v) => ctl.push(v));
    expect(pause.callCount).to.equal(0);
    ctl.push(4);
    expect(pause.callCount).to.equal(1);
    ctl.push(5); // a source that sends one more after pause() loses nothing
    expect(counters(it)).to.deep.equal({ buffered: 5, dropped: 0, highWaterMark: 5 });
    const taken: number[] = [];
    for (const left of [4, 3, 2]) {
      taken.push((await it.next()).value as number);
      expect([it.stats.buffered, resume.callCount]).to.deep.equal([left, 0]);
    }
    taken.push((await it.next()).value as number); // 1 left: below half of 4
    expect(resume.callCount).to.equal(1);
    expect(taken).to.deep.equal([1, 2, 3, 4]);
    [6, 7, 8].forEach((v) => ctl.push(v));
    expect(pause.callCount).to.equal(2);
  });

  it("'pause' is refused for an emitter without pause() and resume()", () => {
    expect(() => fromEventEmitter(new EventEmitter(), 'data', { buffer: { overflow: 'pause' } })).to.throw(
      TypeError,
      /pause\(\) and resume\(\)/,
    );
  });

  it("'pause' pauses and resumes a flowing Readable, losing nothing", async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    for (let i = 0; i < 10; i++) readable.push(i);
    readable.push(null);
    const it = fromEventEmitter<number>(readable, 'data', { buffer: { limit: 4, overflow: 'pause' } });
    const pause = sinon.spy(readable, 'pause');
    const resume = sinon.spy(readable, 'resume');
    await turn(); // the stream flows until the adapter pauses it
    expect(readable.isPaused()).to.equal(true);
    expect([pause.callCount, it.stats.buffered]).to.deep.equal([1, 4]);
    const values: number[] = [];
    for (let i = 0; i < 3; i++) values.push((await it.next()).value as number);
    expect([resume.callCount, it.stats.buffered]).to.deep.equal([1, 1]);
    values.push(...(await rest(it)).values);
    expect(values).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(it.stats.highWaterMark).to.equal(4);
    expect(readable.listenerCount('data')).to.equal(0);
  });

  describe('on a socket', () => {
    const CHUNK = 16384;
    const CHUNKS = 32;
    let server: Server;
    let client: Socket | undefined;

    before(async () => {
      server = createServer((socket) => {
        for (let i = 0; i < CHUNKS; i++) socket.write(Buffer.alloc(CHUNK, i));
        socket.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      client?.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it("'pause' pauses the socket at the limit and resumes it; every byte arrives in order", async () => {
      const { port } = server.address() as { port: number };
      client = connect(port, '127.0.0.1');
      const it = fromEventEmitter<Buffer>(client, 'data', { buffer: { limit: 2, overflow: 'pause' } });
      const pause = sinon.spy(client, 'pause'); // after the 'data' listener's own resume()
      const resume = sinon.spy(client, 'resume');
      for (let i = 0; i < 1000 && it.stats.buffered < 2; i++) await turn();
      expect(it.stats.buffered).to.equal(2);
      expect(client.isPaused()).to.equal(true);
      const chunks: Buffer[] = [];
      for await (const chunk of it) {
        chunks.push(chunk);
        await turn(); // a slow consumer
      }
      const all = Buffer.concat(chunks);
      expect(all.length).to.equal(CHUNK * CHUNKS);
      for (let i = 0; i < CHUNKS; i++) expect([i, all[i * CHUNK], all[i * CHUNK + CHUNK - 1]]).to.deep.equal([i, i, i]);
      expect(it.stats.highWaterMark).to.equal(2);
      expect(pause.callCount).to.be.greaterThan(0);
      // each pause is followed by a resume, except when the socket ended while paused (nothing left to resume)
      expect(pause.callCount - resume.callCount).to.be.within(0, 1);
      expect(client.listenerCount('data')).to.equal(0);
    });
  });
});
