/** sendComet's pump, driven against a scripted response with fake timers: exact pulls, writes and heartbeats. */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import sinon from 'sinon';
import { sendComet } from '../../src/http/index.js';
import { ScriptedResponse, scriptedSource } from '../support/scripted.js';
import { turn } from '../support/timing.js';

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
    await turn();
    expect(res.writes).to.deep.equal(['a']);
    expect(src.pulls()).to.equal(1);
    res.accept = true;
    res.drain();
    await turn();
    expect(src.pulls()).to.equal(2);
    res.drain(); // a drain while the pump waits on the source pulls nothing more
    await turn();
    expect(src.pulls()).to.equal(2);
    src.give('b');
    await turn();
    expect(src.pulls()).to.equal(3);
    src.finish();
    await done;
    expect(res.writes).to.deep.equal(['a', 'b']);
    expect(res.listenerCount('close')).to.equal(0);
    expect(res.listenerCount('error')).to.equal(0);
    expect(res.listenerCount('drain')).to.equal(0);
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
    // beyond a timer's range Node would fire every millisecond instead
    expect(() => sendComet(res, src, { heartbeatMs: 2 ** 31 })).to.throw(
      RangeError,
      'sendComet: heartbeatMs must be at most 2147483647 (about 24.8 days), got 2147483648',
    );
    expect(() => sendComet(res, src, { signal: {} as AbortSignal })).to.throw(
      TypeError,
      'sendComet: options.signal must be an AbortSignal, got a plain object',
    );
    expect(() => sendComet(res, src, { headers: 'x' as unknown as Record<string, string> })).to.throw(TypeError);
  });
});
