/**
 * The cut-off slot: a transport learns of a hub's cut-off without the subscription's AbortSignal
 * being made; the signal is made only when read, and then behaves as before.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Comet } from '../../../src/comet/index.js';
import { sendComet } from '../../../src/http/index.js';
import { createHub, SlowConsumerError, type Hub } from '../../../src/hub/index.js';
import { toSource } from '../../../src/source/index.js';
import { carryCutoff, cutoffKey, cutoffOf, cutoffSlotKey, watchCutoff, type CutoffListener } from '../../../src/util/cutoff.js';
import { ScriptedResponse } from '../../support/scripted.js';
import { turn } from '../../support/timing.js';

function publish(hub: Hub<string>, n: number): void {
  for (let i = 1; i <= n; i++) hub.publish(`m${i}`);
}

/** A listener that records what it was told. */
function listener(): CutoffListener & { told: Error[] } {
  const told: Error[] = [];
  return { told, cutOff: (error) => void told.push(error) };
}

describe('hub subscriptions: the cut-off slot', () => {
  let made: sinon.SinonSpy;
  beforeEach(() => {
    made = sinon.spy(globalThis, 'AbortController');
  });
  afterEach(() => made.restore());

  it('sendComet is cut off through the slot: no AbortController is made, until signal is read', async () => {
    const hub = createHub<string>({ limit: 2 });
    const sub = hub.subscribe();
    const res = new ScriptedResponse();
    res.accept = false;
    const settled = sendComet(res.asResponse(), sub).then(() => 'resolved', (error: unknown) => error);
    publish(hub, 4);
    const error = await settled;
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(res.destroyedWith).to.equal(error);
    expect(made.callCount, 'no AbortController for the transport').to.equal(0);
    // read after the cut: made now, already aborted with the same error
    expect(sub.signal.aborted).to.equal(true);
    expect(sub.signal.reason).to.equal(error);
    expect(made.callCount).to.equal(1);
    expect(cutoffOf(sub)).to.equal(sub.signal);
    expect(made.callCount, 'made once').to.equal(1);
  });

  it('a signal read before the cut is aborted at once, in the same step that tells the transport', async () => {
    const hub = createHub<string>({ limit: 2 });
    const sub = hub.subscribe();
    const signal = sub.signal;
    expect(made.callCount).to.equal(1);
    const order: string[] = [];
    signal.addEventListener('abort', () => order.push(`signal ${(signal.reason as Error).name}`));
    const res = new ScriptedResponse();
    res.accept = false;
    const settled = sendComet(res.asResponse(), sub).then(
      () => order.push('resolved'),
      () => order.push(`transport aborted=${signal.aborted}`),
    );
    publish(hub, 4);
    await settled;
    expect(order).to.deep.equal(['signal SlowConsumerError', 'transport aborted=true']);
  });

  for (const [name, wrap] of [
    ['Comet.string(cb)', (s: AsyncIterable<string>) => Comet.string('cb')(s)],
    ['toSource', (s: AsyncIterable<string>) => toSource(s)],
  ] as const) {
    it(`wrapped in ${name}, the subscription is still cut off at once by the transport, through the slot`, async () => {
      const hub = createHub<string>({ limit: 2 });
      const sub = hub.subscribe();
      const wrapped = wrap(sub);
      expect((wrapped as unknown as Record<symbol, unknown>)[cutoffSlotKey]).to.equal(sub);
      const res = new ScriptedResponse();
      res.accept = false;
      const settled = sendComet(res.asResponse(), wrapped).then(() => 'resolved', (error: unknown) => error);
      publish(hub, 4);
      expect(await settled).to.be.instanceOf(SlowConsumerError);
      expect(made.callCount).to.equal(0);
      // the wrapper's signal is the subscription's, made when read
      expect(cutoffOf(wrapped)).to.equal(sub.signal);
      expect(made.callCount).to.equal(1);
    });
  }
});

describe('watchCutoff', () => {
  it('takes the slot of a subscription; a second listener gets the signal; both are told once', async () => {
    const hub = createHub<string>({ limit: 1 });
    const sub = hub.subscribe();
    const first = listener();
    const second = listener();
    expect(watchCutoff(sub, first)).to.equal(sub);
    const other = watchCutoff(sub, second);
    expect(other).to.not.equal(sub).and.to.not.equal(undefined);
    publish(hub, 2);
    await turn();
    expect(first.told).to.have.length(1).and.to.deep.equal(second.told);
    expect(first.told[0]).to.be.instanceOf(SlowConsumerError);
    // already cut off: told at once
    const late = listener();
    watchCutoff(sub, late);
    expect(late.told).to.deep.equal(first.told);
  });

  it('unwatching frees the slot and nothing is told after it', async () => {
    const hub = createHub<string>({ limit: 1 });
    const sub = hub.subscribe();
    const gone = listener();
    watchCutoff(sub, gone)!.unwatchCutoff(gone);
    const next = listener();
    expect(watchCutoff(sub, next), 'the slot is free again').to.equal(sub);
    publish(hub, 2);
    await turn();
    expect(gone.told).to.deep.equal([]);
    expect(next.told).to.have.length(1);
  });

  it('falls back to a plain cut-off signal (an Error for a non-Error reason), and to nothing', () => {
    const controller = new AbortController();
    const stream = carryCutoff({}, { [cutoffKey]: controller.signal });
    const told = listener();
    const watch = watchCutoff(stream, told);
    expect(watch).to.not.equal(undefined);
    controller.abort('too slow');
    expect(told.told).to.have.length(1);
    expect(told.told[0]).to.be.instanceOf(Error).and.to.have.property('cause', 'too slow');
    const quiet = listener();
    const again = new AbortController();
    watchCutoff({ [cutoffKey]: again.signal }, quiet)!.unwatchCutoff(quiet);
    again.abort(new Error('late'));
    expect(quiet.told).to.deep.equal([]);
    expect(watchCutoff({}, listener())).to.equal(undefined);
    expect(watchCutoff(null, listener())).to.equal(undefined);
  });
});
