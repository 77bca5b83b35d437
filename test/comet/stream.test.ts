/**
 * The pass-through operators at their edges: a stop before the first pull, an unencodable message
 * over a source whose teardown hangs, and the cut-off signal carried through.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import sinon from 'sinon';
import { Comet, CometEncodeError, fromEventEmitter, sendComet } from '../../src/index.js';
import { log, tap } from '../../src/debug/index.js';
import { cutoffKey, cutoffOf } from '../../src/util/cutoff.js';
import { listen, open } from '../support/loopback.js';
import { hangingReturn } from '../support/edges.js';
import { sleep, within } from '../support/timing.js';

type Operator = (source: AsyncIterable<unknown>) => AsyncIterableIterator<unknown>;

/** Every operator whose output passes a source through. */
const operators: [string, () => Operator][] = [
  ['Comet.string', () => Comet.string('parent.cb') as Operator],
  ['Comet.json', () => Comet.json('parent.cb')],
  ['Comet.flow', () => Comet.flow('parent.cb') as Operator],
  ['tap', () => tap<unknown>(() => {})],
  ['log', () => log<unknown>('test', { write: () => {} })],
];

describe('pass-through operators at their edges', () => {
  describe('return() before the first next() reaches the source at once', () => {
    for (const [name, make] of operators) {
      it(`${name}: a fromEventEmitter source is returned, the emitter has 0 listeners`, async () => {
        const emitter = new EventEmitter();
        const source = fromEventEmitter(emitter, 'tick');
        expect(emitter.listenerCount('tick'), 'listening before').to.equal(1);
        const output = make()(source);
        expect(await output.return!()).to.deep.equal({ done: true, value: undefined });
        expect(emitter.listenerCount('tick'), 'listeners after return()').to.equal(0);
        expect(await output.next()).to.deep.equal({ done: true, value: undefined });
      });

      it(`${name}: the source's return() is called once, and the stream stays done`, async () => {
        const returned = sinon.spy(async () => ({ done: true as const, value: undefined }));
        const next = sinon.spy(async () => ({ done: false as const, value: 'x' }));
        const source = { next, return: returned, [Symbol.asyncIterator]() { return this; } };
        const output = make()(source);
        await output.return!();
        await output.return!();
        expect(returned.callCount).to.equal(1);
        expect(await output.next()).to.deep.equal({ done: true, value: undefined });
        expect(next.callCount, 'source pulled after return()').to.equal(0);
      });
    }

    it('through a chain of operators, the innermost source is reached', async () => {
      const emitter = new EventEmitter();
      const output = Comet.json('parent.cb')(tap(() => {})(log('x', { write: () => {} })(fromEventEmitter(emitter, 'tick'))));
      await output.return!();
      expect(emitter.listenerCount('tick')).to.equal(0);
    });
  });

  describe('an unencodable message over a source whose return() never settles', () => {
    it('Comet.json: the CometEncodeError reaches the consumer at once, the source return() was started', async () => {
      const { source, returned } = hangingReturn([1, undefined]);
      const output = Comet.json('cb', { initialChunk: null })(source);
      expect((await output.next()).value).to.equal('<script type="text/javascript">cb(1);</script>');
      const outcome = await within(output.next(), 1000);
      expect(outcome).to.be.instanceOf(CometEncodeError);
      expect((outcome as CometEncodeError).index).to.equal(1);
      expect(returned.callCount).to.equal(1);
      expect(await within(output.return!(), 1000), 'return() after the error').to.deep.equal({ done: true, value: undefined });
      expect(returned.callCount, 'not returned twice').to.equal(1);
    });

    it('a rejecting return() is swallowed: the CometEncodeError is what the consumer sees, nothing unhandled', async () => {
      const unhandled = sinon.spy();
      process.on('unhandledRejection', unhandled);
      try {
        const source = {
          next: async () => ({ done: false as const, value: 10n }),
          return: () => Promise.reject(new Error('teardown failed')),
          [Symbol.asyncIterator]() { return this; },
        };
        const outcome = await within(Comet.json('cb', { initialChunk: null })(source).next(), 1000);
        expect(outcome).to.be.instanceOf(CometEncodeError);
        await sleep(20);
        expect(unhandled.callCount).to.equal(0);
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });

    it('tap: a throwing callback reaches the consumer at once too', async () => {
      const { source, returned } = hangingReturn([1]);
      const oops = new Error('observer broke');
      const output = tap(() => {
        throw oops;
      })(source);
      expect(await within(output.next(), 1000)).to.equal(oops);
      expect(returned.callCount).to.equal(1);
    });

    it('sendComet rejects with the CometEncodeError and destroys the response, within a bounded time', async function () {
      this.timeout(10_000);
      const { source, returned } = hangingReturn(['a', undefined]);
      let sent: Promise<unknown> | undefined;
      let response: http.ServerResponse | undefined;
      const server = await listen((_req, res) => {
        response = res;
        sent = sendComet(res, Comet.json('parent.cb')(source)).then(() => 'resolved', (error: unknown) => error);
      });
      try {
        const { res } = await open(server.url);
        res.resume();
        const closed = new Promise<void>((resolve) => res.once('close', resolve));
        const started = Date.now();
        const outcome = await within(sent!, 3000);
        expect(outcome, 'sendComet outcome').to.be.instanceOf(CometEncodeError);
        expect(Date.now() - started).to.be.lessThan(3000);
        expect(response!.destroyed, 'response destroyed').to.equal(true);
        expect(await within(closed, 3000), 'client side closed').to.equal(undefined);
        expect(returned.callCount).to.equal(1);
      } finally {
        await server.close();
      }
    });
  });

  describe('the cut-off signal', () => {
    for (const [name, make] of operators) {
      it(`${name} carries its source's cut-off signal`, () => {
        const signal = new AbortController().signal;
        const source = { [cutoffKey]: signal, async *[Symbol.asyncIterator]() {} };
        expect(cutoffOf(make()(source))).to.equal(signal);
        expect(cutoffOf(make()((async function* () {})())), 'none when the source has none').to.equal(undefined);
      });
    }

    it('survives a chain: Comet.json(cb)(tap(fn)(log()(subscription)))', () => {
      const signal = new AbortController().signal;
      const subscription = { [cutoffKey]: signal, async *[Symbol.asyncIterator]() {} };
      expect(cutoffOf(Comet.json('cb')(tap(() => {})(log('x', { write: () => {} })(subscription))))).to.equal(signal);
    });
  });

  it('throw() on a Comet output goes to the source, whose recovery is relayed', async () => {
    async function* source() {
      try {
        yield 'a';
      } catch {
        yield 'recovered';
      }
    }
    const output = Comet.string('cb', { initialChunk: null })(source());
    await output.next();
    expect(await output.throw!(new Error('stop'))).to.deep.equal({
      done: false,
      value: "<script type=\"text/javascript\">cb('recovered');</script>",
    });
    expect(await output.next()).to.deep.equal({ done: true, value: undefined });
  });
});
