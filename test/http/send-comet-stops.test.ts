/** sendComet's early stops against a scripted response: each settles once and leaves nothing behind. */
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import sinon from 'sinon';
import { sendComet } from '../../src/http/index.js';
import { throwingNext } from '../support/loopback.js';
import { ScriptedResponse, scriptedSource } from '../support/scripted.js';
import { turn } from '../support/timing.js';

const EVENTS = ['close', 'error', 'drain'] as const;

/** Records how a promise settles, without leaving a rejection unhandled. */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (result) => result,
    (error: unknown) => error,
  );
}

describe('sendComet: early stops', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    clock?.restore();
    clock = undefined;
  });

  it('the client leaving while a write waits for drain: resolves, returns the source, no listener or timer left', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = outcome(sendComet(res.asResponse(), src.source, { heartbeatMs: 100 }));
    res.accept = false;
    src.give('a');
    await turn();
    expect(res.listenerCount('drain')).to.equal(1);
    res.emit('close');
    expect(await done).to.equal('client-gone');
    expect(src.returns()).to.equal(1);
    expect(src.pulls()).to.equal(1);
    expect(EVENTS.map((e) => res.listenerCount(e))).to.deep.equal([0, 0, 0]);
    expect(clock.countTimers()).to.equal(0);
    expect(res.destroyedWith).to.equal('not destroyed');
  });

  it('an abort while a write waits for drain: destroys the response and rejects with the reason, once', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const controller = new AbortController();
    const done = outcome(sendComet(res.asResponse(), src.source, { signal: controller.signal }));
    res.accept = false;
    src.give('a');
    await turn();
    const reason = new Error('shutting down');
    controller.abort(reason);
    res.emit('close');
    expect(await done).to.equal(reason);
    expect(res.destroyedWith).to.equal(reason);
    expect(src.returns()).to.equal(1);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    expect(EVENTS.map((e) => res.listenerCount(e))).to.deep.equal([0, 0, 0]);
  });

  it('a next() that throws synchronously: destroys the response, rejects with that error, no return()', async () => {
    const res = new ScriptedResponse();
    const boom = new Error('next broke');
    const { source, returned } = throwingNext(boom);
    expect(await outcome(sendComet(res.asResponse(), source))).to.equal(boom);
    expect(res.destroyedWith).to.equal(boom);
    expect(returned.callCount).to.equal(0);
  });

  it('a response error: returns the source, destroys the response and rejects with that error', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = outcome(sendComet(res.asResponse(), src.source));
    const failure = new Error('EPIPE');
    res.emit('error', failure);
    expect(await done).to.equal(failure);
    expect(src.returns()).to.equal(1);
    expect(res.destroyedWith).to.equal(failure);
  });

  it('a source that settles after the client left changes nothing, and nothing is left unhandled', async () => {
    for (const settle of ['value', 'done', 'error'] as const) {
      const res = new ScriptedResponse();
      const src = scriptedSource();
      const done = outcome(sendComet(res.asResponse(), src.source, { heartbeatMs: 50 }));
      await turn();
      res.emit('close');
      expect(await done).to.equal('client-gone');
      if (settle === 'value') src.give('late');
      else if (settle === 'done') src.finish();
      else src.fail(new Error('late failure'));
      await turn();
      expect(res.writes, settle).to.deep.equal([]);
      expect(res.writableEnded, settle).to.equal(false);
      expect(src.returns(), settle).to.equal(1);
    }
    expect(unhandled).to.deep.equal([]);
  });

  it('a close after the normal end is not a stop: resolves once, the response ended', async () => {
    const res = new ScriptedResponse();
    const src = scriptedSource();
    const done = outcome(sendComet(res.asResponse(), src.source));
    await turn();
    src.give('a');
    await turn();
    src.finish();
    expect(await done).to.equal('end');
    res.emit('close');
    expect(res.writes).to.deep.equal(['a']);
    expect(res.writableEnded).to.equal(true);
    expect(src.returns()).to.equal(0);
  });
});
