/** sendComet's pump, driven against a scripted response with fake timers: exact pulls, writes and heartbeats. */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import sinon from 'sinon';
import { sendComet } from '../../src/http/index.js';

/** The parts of a ServerResponse that sendComet touches, recording what it is asked to do. */
class ScriptedResponse extends EventEmitter {
  headers: Record<string, unknown> = {};
  writes: Array<string | Uint8Array> = [];
  flushes = 0;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  writableNeedDrain = false;
  destroyed = false;
  destroyedWith: unknown = 'not destroyed';
  /** What write() returns next. */
  accept = true;
  socket = { setNoDelay: sinon.spy(), destroyed: false };
  setHeader(name: string, value: unknown): this {
    this.headers[name] = value;
    return this;
  }
  flushHeaders(): void {
    this.headersSent = true;
  }
  write(chunk: string | Uint8Array): boolean {
    this.writes.push(chunk);
    this.writableNeedDrain = !this.accept;
    return this.accept;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  destroy(error?: unknown): this {
    this.destroyed = true;
    this.destroyedWith = error;
    return this;
  }
  drain(): void {
    this.writableNeedDrain = false;
    this.emit('drain');
  }
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** A source whose values are handed out by the test, counting the next() calls. */
function scriptedSource() {
  const waiting: Array<(result: IteratorResult<string>) => void> = [];
  let pulls = 0;
  const source: AsyncIterableIterator<string> = {
    next: () => {
      pulls++;
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: sinon.spy(async () => ({ done: true as const, value: undefined })),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    source,
    pulls: () => pulls,
    give: (value: string) => waiting.shift()?.({ done: false, value }),
    finish: () => waiting.shift()?.({ done: true, value: undefined }),
  };
}

describe('sendComet pump', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  it('sets headers, flushes them and disables Nagle before pulling', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = sendComet(res.asResponse(), src.source);
    expect(res.headersSent).to.equal(true);
    expect(res.headers['Content-Type']).to.equal('text/html; charset=utf-8');
    expect(res.socket.setNoDelay.calledOnceWithExactly(true)).to.equal(true);
    src.finish();
    await done;
    expect(res.writableEnded).to.equal(true);
    expect(res.writes).to.deep.equal([]);
  });

  it('does not pull the next chunk until the response drains', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = sendComet(res.asResponse(), src.source);
    await Promise.resolve();
    expect(src.pulls()).to.equal(1);
    res.accept = false;
    src.give('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(res.writes).to.deep.equal(['a']);
    expect(src.pulls()).to.equal(1);
    res.accept = true;
    res.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(src.pulls()).to.equal(2);
    expect(res.listenerCount('drain')).to.equal(0);
    src.give('b');
    await new Promise((resolve) => setImmediate(resolve));
    expect(src.pulls()).to.equal(3);
    src.finish();
    await done;
    expect(res.writes).to.deep.equal(['a', 'b']);
    expect(res.listenerCount('close')).to.equal(0);
    expect(res.listenerCount('error')).to.equal(0);
  });

  it('calls res.flush() after every write when the response has one (compression)', async () => {
    const res = Object.assign(new ScriptedResponse(), { flush: sinon.spy() });
    const bytes = new Uint8Array([60, 112, 62]);
    async function* source() {
      yield 'one';
      yield bytes;
    }
    await sendComet(res.asResponse(), source());
    expect(res.writes).to.deep.equal(['one', bytes]);
    expect(res.flush.callCount).to.equal(2);
  });

  it('writes one heartbeat per idle interval, none while writes are pending, none after the end', async () => {
    clock = sinon.useFakeTimers();
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = sendComet(res.asResponse(), src.source, { heartbeatMs: 1000 });
    await clock.tickAsync(999);
    expect(res.writes).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(res.writes).to.deep.equal(['\n']);
    await clock.tickAsync(2000);
    expect(res.writes).to.deep.equal(['\n', '\n', '\n']);
    src.give('x');
    await clock.tickAsync(500);
    // the interval restarts with each wait for the source
    await clock.tickAsync(499);
    expect(res.writes).to.deep.equal(['\n', '\n', '\n', 'x']);
    res.writableNeedDrain = true; // a heartbeat is never queued behind unsent data
    await clock.tickAsync(3000);
    expect(res.writes).to.deep.equal(['\n', '\n', '\n', 'x']);
    res.writableNeedDrain = false;
    await clock.tickAsync(1000);
    expect(res.writes).to.deep.equal(['\n', '\n', '\n', 'x', '\n']);
    src.finish();
    await done;
    expect(clock.countTimers()).to.equal(0);
  });

  it('resolves at once and returns the source when the response closes mid-wait', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = sendComet(res.asResponse(), src.source);
    await Promise.resolve();
    res.emit('close');
    await done;
    expect((src.source.return as sinon.SinonSpy).callCount).to.equal(1);
    expect(res.destroyedWith).to.equal('not destroyed');
  });

  it('returns the source without writing when the response is already gone', async () => {
    const res = new ScriptedResponse();
    res.destroyed = true;
    const src = scriptedSource();
    await sendComet(res.asResponse(), src.source);
    expect(src.pulls()).to.equal(0);
    expect(res.headersSent).to.equal(false);
    expect((src.source.return as sinon.SinonSpy).callCount).to.equal(1);
  });

  it('rejects, returning the source, when the response was already ended', async () => {
    const res = new ScriptedResponse();
    res.writableEnded = true;
    const src = scriptedSource();
    let caught: unknown;
    await sendComet(res.asResponse(), src.source).catch((error: unknown) => (caught = error));
    expect((caught as Error).message).to.equal('sendComet: the response has already been ended');
    expect((src.source.return as sinon.SinonSpy).callCount).to.equal(1);
  });

  it('an already aborted signal rejects with its reason without pulling', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const reason = new Error('stop');
    let caught: unknown;
    await sendComet(res.asResponse(), src.source, { signal: AbortSignal.abort(reason) }).catch(
      (error: unknown) => (caught = error),
    );
    expect(caught).to.equal(reason);
    expect(src.pulls()).to.equal(0);
    expect(res.destroyedWith).to.equal(reason);
  });

  it('rejects bad arguments synchronously with typed errors', () => {
    const res = new ScriptedResponse().asResponse();
    const src = scriptedSource().source;
    expect(() => sendComet({} as ServerResponse, src)).to.throw(TypeError, 'sendComet: res must be an http.ServerResponse');
    expect(() => sendComet(res, 'abc' as unknown as AsyncIterable<string>)).to.throw(
      TypeError,
      'sendComet: chunks must be an AsyncIterable of strings or Uint8Arrays',
    );
    expect(() => sendComet(res, src, { heartbeatMs: -5 })).to.throw(
      RangeError,
      'sendComet: heartbeatMs must be a positive finite number of milliseconds, got -5',
    );
    expect(() => sendComet(res, src, { heartbeatMs: Infinity })).to.throw(RangeError);
    expect(() => sendComet(res, src, { signal: {} as AbortSignal })).to.throw(TypeError, 'sendComet: signal must be an AbortSignal');
    expect(() => sendComet(res, src, { headers: 'x' as unknown as Record<string, string> })).to.throw(TypeError);
  });
});
