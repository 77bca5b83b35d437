/**
 * A subscriber the hub cuts off (too slow under 'disconnect', or a lost Redis connection) ends its
 * transport at once, even when the client has stopped reading and the transport waits for it.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { sendComet, toNodeReadable, toWebStream } from '../../../src/http/index.js';
import { createHub, HubConnectionError, SlowConsumerError, type Hub } from '../../../src/hub/index.js';
import { HubCore } from '../../../src/hub/core/core.js';
import { carryCutoff, cutoffOf } from '../../../src/util/cutoff.js';
import { ScriptedResponse } from '../../support/scripted.js';
import { turn } from '../../support/timing.js';

/** Publishes `n` messages. */
function publish(hub: Hub<string>, n: number): void {
  for (let i = 1; i <= n; i++) hub.publish(`m${i}`);
}

describe('hub subscriptions: cut off at once', () => {
  it('signal aborts with the SlowConsumerError when the hub disconnects a slow subscriber', async () => {
    const hub = createHub<string>({ limit: 2 });
    const sub = hub.subscribe();
    const other = hub.subscribe({ limit: 10 });
    expect(sub.signal.aborted).to.equal(false);
    publish(hub, 3);
    await turn();
    expect(sub.signal.aborted).to.equal(true);
    expect(sub.signal.reason).to.be.instanceOf(SlowConsumerError);
    expect(other.signal.aborted).to.equal(false);
    // asked for only after the cut: already aborted
    const late = hub.subscribe({ limit: 1 });
    publish(hub, 2);
    await turn();
    expect(late.signal.reason).to.be.instanceOf(SlowConsumerError);
    hub.close();
  });

  it('the cut-off signal is carried under cutoffKey, so cutoffOf finds it on the subscription and on what carries it', async () => {
    const hub = createHub<string>({ limit: 1 });
    const sub = hub.subscribe();
    const signal = cutoffOf(sub);
    expect(signal).to.equal(sub.signal);
    const wrapper = carryCutoff({}, sub);
    expect(cutoffOf(wrapper)).to.equal(signal);
    publish(hub, 2);
    await turn();
    expect(signal!.aborted).to.equal(true);
    expect(cutoffOf(wrapper)!.reason).to.be.instanceOf(SlowConsumerError);
    // read first under the key, after the cut: already aborted
    const late = hub.subscribe();
    publish(hub, 2);
    await turn();
    expect(cutoffOf(late)!.reason).to.be.instanceOf(SlowConsumerError);
    hub.close();
  });

  it('signal stays quiet on a clean end: close(), return(), and the consumer aborting', async () => {
    const hub = createHub<string>();
    const closed = hub.subscribe();
    const returned = hub.subscribe();
    const controller = new AbortController();
    const aborted = hub.subscribe({ signal: controller.signal });
    await returned.return();
    controller.abort(new Error('client left'));
    hub.close();
    await turn();
    expect([closed, returned, aborted].map((s) => s.signal.aborted)).to.deep.equal([false, false, false]);
  });

  it('signal aborts with the error that fails every subscriber (a lost connection)', async () => {
    const core = new HubCore<string>({ history: 0, historyTotal: Infinity, limit: 8, policy: 'disconnect', initial: undefined, coalesce: undefined });
    const sub = core.subscribe();
    const lost = new HubConnectionError('lost the Redis subscriber connection');
    core.failAll(lost);
    await turn();
    expect(sub.signal.reason).to.equal(lost);
  });

  it('sendComet destroys the response of a client that stopped reading, rejecting with SlowConsumerError', async () => {
    const hub = createHub<string>({ limit: 4 });
    const sub = hub.subscribe();
    const res = new ScriptedResponse();
    res.accept = false; // the socket is full: sendComet waits for a drain that never comes
    const settled = sendComet(res.asResponse(), sub).then(() => 'resolved', (error: unknown) => error);
    publish(hub, 1);
    await turn();
    expect(res.writes).to.deep.equal(['m1']);
    publish(hub, 5);
    const error = await settled;
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(res.destroyedWith).to.equal(error);
    expect(hub.size).to.equal(0);
    expect(res.listenerCount('drain') + res.listenerCount('close')).to.equal(0);
  });

  it('toNodeReadable nobody reads is destroyed with the SlowConsumerError', async () => {
    const hub = createHub<string>({ limit: 2 });
    const readable = toNodeReadable(hub.subscribe());
    const failed = once(readable, 'error');
    publish(hub, 3);
    const [error] = await failed;
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(readable.destroyed).to.equal(true);
    expect(hub.size).to.equal(0);
  });

  it('toWebStream nobody reads is errored with the SlowConsumerError', async () => {
    const hub = createHub<string>({ limit: 2 });
    const reader = toWebStream(hub.subscribe()).getReader();
    publish(hub, 1);
    expect(new TextDecoder().decode((await reader.read()).value)).to.equal('m1');
    await turn();
    publish(hub, 4); // one to the waiting pull, two buffered, one too many
    await turn();
    const error = await reader.read().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(hub.size).to.equal(0);
  });
});
