/**
 * What only hub.fetch has, read straight from the `Response` it gives (the protocol itself runs
 * against both edges in the other files of this folder): the body pulled one read at a time, the
 * first chunk ready at once (so a runtime that sends no headers before the first chunk sends them
 * at once), teardown on `request.signal` and on the body's cancel, `onEnd`, and the headers given.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { cometHub, SlowConsumerError, type FetchResult } from '../../../src/index.js';
import { calls, CB, events } from '../fixtures/serve.js';
import { turn, until, within } from '../../support/timing.js';

const SSE = { accept: 'text/event-stream' };
const text = new TextDecoder();

/** A request to the hub's route; `init` as `new Request` takes it. */
const request = (path = '/live', init: RequestInit = {}) => new Request(`http://127.0.0.1${path}`, init);

/** How each answer ended, as `onEnd` tells it. */
function ends() {
  const seen: [FetchResult, unknown][] = [];
  return { seen, onEnd: (result: FetchResult, error?: unknown) => void seen.push([result, error]) };
}

/** The next chunk of `reader` as text, or null once it is done. */
async function next(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | null> {
  const { done, value } = await reader.read();
  return done ? null : text.decode(value);
}

describe('hub.fetch on its own', function () {
  this.timeout(20_000);

  it('has its first chunk ready at once, without a message: the initial chunk, or the open control (Comet without one, SSE)', async () => {
    const hub = cometHub<number>(CB, { history: 5 });
    const bare = cometHub<number>(CB, { initialChunk: null });
    const firsts = [
      await hub.fetch(request()),
      await bare.fetch(request()),
      await hub.fetch(request('/live', { headers: SSE })),
    ].map(async (response) => {
      expect(response.status).to.equal(200);
      const reader = response.body!.getReader();
      const chunk = await within(next(reader), 5000);
      await reader.cancel();
      return chunk as string;
    });
    const [initial, open, event] = await Promise.all(firsts);
    expect(initial!.startsWith(' '.repeat(5120) + '<html><body>')).to.equal(true);
    expect(calls(open!)).to.deep.equal([{ value: { type: 'open', epoch: bare.epoch, lastId: 0, since: 0, missed: 0, reset: false }, id: 0 }]);
    expect(events(event!).map((e) => e.type)).to.deep.equal(['$open']);
    await until(() => hub.size === 0 && bare.size === 0);
  });

  it('hands a message over only when the body is read: what waits is the subscription\'s, counted as waiting, not delivered', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null, coalesce: false, limit: 100 });
    const { seen, onEnd } = ends();
    const response = await hub.fetch(request(), { onEnd });
    const reader = response.body!.getReader();
    expect(calls((await next(reader))!)[0]!.value).to.include({ type: 'open' });
    for (let i = 1; i <= 5; i++) hub.publish(i);
    await turn();
    expect([hub.stats().delivered, hub.stats().waiting]).to.deep.equal([0, 5]);
    expect(calls((await next(reader))!)).to.deep.equal([{ value: 1, id: 1 }]);
    expect(calls((await next(reader))!)).to.deep.equal([{ value: 2, id: 2 }]);
    await turn();
    expect([hub.stats().delivered, hub.stats().waiting]).to.deep.equal([2, 3]);
    await reader.cancel();
    await until(() => seen.length === 1);
    expect(seen).to.deep.equal([['client-gone', undefined]]);
    expect([hub.size, hub.stats().discarded]).to.deep.equal([0, 3]);
  });

  it('cuts a client that stops reading off under the disconnect policy: the body errors with SlowConsumerError, and onEnd gets it', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null, coalesce: false, limit: 2, policy: 'disconnect' });
    const { seen, onEnd } = ends();
    const reader = (await hub.fetch(request(), { onEnd })).body!.getReader();
    await next(reader);
    for (let i = 1; i <= 3; i++) hub.publish(i);
    await until(() => seen.length === 1);
    expect(seen[0]![0]).to.equal('failed');
    expect(seen[0]![1]).to.be.instanceOf(SlowConsumerError);
    const error = await reader.read().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(hub.size).to.equal(0);
  });

  it('ends the subscription when request.signal aborts (the client left), with a read waiting or not', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null });
    const { seen, onEnd } = ends();
    const waiting = new AbortController();
    const reader = (await hub.fetch(request('/live', { signal: waiting.signal }), { onEnd })).body!.getReader();
    await next(reader);
    const pending = reader.read();
    const idle = new AbortController();
    await hub.fetch(request('/live', { signal: idle.signal, headers: SSE }), { onEnd });
    expect(hub.size).to.equal(2);
    waiting.abort();
    idle.abort();
    expect(await pending).to.deep.equal({ done: true, value: undefined });
    await until(() => seen.length === 2);
    expect(seen).to.deep.equal([['client-gone', undefined], ['client-gone', undefined]]);
    expect(hub.size).to.equal(0);
    // already aborted: the subscription ends before anything is read
    const gone = AbortSignal.abort();
    const late = await hub.fetch(request('/live', { signal: gone }), { onEnd });
    expect(await late.body!.getReader().read()).to.deep.equal({ done: true, value: undefined });
    expect([seen.length, hub.size]).to.deep.equal([3, 0]);
  });

  it('ends the subscription when the body is cancelled, before or after the first read', async () => {
    const hub = cometHub<number>(CB);
    const { seen, onEnd } = ends();
    const unread = await hub.fetch(request(), { onEnd });
    const read = await hub.fetch(request('/live', { headers: SSE }), { onEnd });
    const reader = read.body!.getReader();
    await next(reader);
    expect(hub.size).to.equal(2);
    await unread.body!.cancel();
    await reader.cancel();
    await until(() => seen.length === 2);
    expect(seen.map(([result]) => result)).to.deep.equal(['client-gone', 'client-gone']);
    expect(hub.size).to.equal(0);
  });

  it('ends cleanly on a shutdown (options.signal aborted without a reason) and when the hub closes', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null });
    const { seen, onEnd } = ends();
    const shutdown = new AbortController();
    const stopped = (await hub.fetch(request(), { onEnd, signal: shutdown.signal })).body!.getReader();
    await next(stopped);
    shutdown.abort();
    expect(await next(stopped)).to.equal(null);
    const closing = (await hub.fetch(request('/live', { headers: SSE }), { onEnd })).body!.getReader();
    await next(closing);
    hub.close();
    expect(await next(closing)).to.equal(null);
    // a closed hub: an empty answer that ends at once
    const after = await hub.fetch(request(), { onEnd });
    expect([after.status, await after.text()]).to.deep.equal([200, '']);
    await until(() => seen.length === 3);
    expect(seen.map(([result]) => result)).to.deep.equal(['shutdown', 'end', 'end']);
  });

  it('tells onEnd at once how a refusal, a stop and a HEAD ended, and subscribes nobody for them', async () => {
    const hub = cometHub<number>(CB);
    const { seen, onEnd } = ends();
    const stop = (r: Request) => r.url.endsWith('/out');
    const answers = [
      await hub.fetch(request('/live?since=1'), { onEnd }),
      await hub.fetch(request('/live?topic=open', { headers: SSE }), { onEnd }),
      await hub.fetch(request('/live?topic=news'), { onEnd, authorize: () => false }),
      await hub.fetch(request('/out', { headers: SSE }), { onEnd, stop }),
      await hub.fetch(request('/out'), { onEnd, stop }),
      await hub.fetch(request('/live', { method: 'HEAD' }), { onEnd }),
    ];
    expect(seen.map(([result]) => result)).to.deep.equal(['bad-request', 'bad-request', 'forbidden', 'stopped', 'stopped', 'head']);
    expect(answers.map((a) => a.status)).to.deep.equal([400, 400, 403, 204, 200, 200]);
    expect(answers.map((a) => a.body === null)).to.deep.equal([false, false, false, true, false, true]);
    expect(calls(await answers[4]!.text())).to.deep.equal([{ value: { type: 'stop' }, id: 0 }]);
    expect([hub.size, hub.stats().offered]).to.deep.equal([0, 0]);
  });

  it('answers HEAD with the headers and no body, refusals included', async () => {
    const hub = cometHub<number>(CB);
    for (const [path, status, type] of [['/live', 200, 'text/html; charset=utf-8'], ['/live?since=1', 400, 'text/html; charset=utf-8'], ['/live?topic=news', 403, 'text/html; charset=utf-8']] as const) {
      const answer = await hub.fetch(request(path, { method: 'HEAD' }), { authorize: (_req, topics) => !topics.includes('news') });
      expect([answer.status, answer.headers.get('content-type'), answer.body], path).to.deep.equal([status, type, null]);
    }
    expect(hub.size).to.equal(0);
  });

  it('an authorize that throws: 500, and onEnd gets the error; one that rejects the same', async () => {
    const hub = cometHub<number>(CB);
    const { seen, onEnd } = ends();
    const thrown = new Error('the session store is down');
    const sync = await hub.fetch(request('/live?topic=news'), {
      onEnd,
      authorize: () => {
        throw thrown;
      },
    });
    const async = await hub.fetch(request('/live?topic=news', { headers: SSE }), { onEnd, authorize: () => Promise.reject(thrown) });
    for (const answer of [sync, async]) {
      expect([answer.status, answer.headers.get('content-type'), await answer.text()]).to.deep.equal([500, 'text/plain; charset=utf-8', 'hub.fetch: the authorization failed\n']);
    }
    expect(seen).to.deep.equal([['failed', thrown], ['failed', thrown]]);
    expect(hub.size).to.equal(0);
  });

  it('throws what onEnd throws on its own, as an uncaught exception, and the stream goes on', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null });
    const mocha = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const caught: unknown[] = [];
    process.on('uncaughtException', (error) => caught.push(error));
    try {
      const oops = new Error('a bug in onEnd');
      const bad = await hub.fetch(request('/live?since=1'), {
        onEnd: () => {
          throw oops;
        },
      });
      expect(bad.status).to.equal(400);
      const reader = (await hub.fetch(request(), {
        onEnd: () => {
          throw oops;
        },
      })).body!.getReader();
      await next(reader);
      hub.publish(1);
      expect(calls((await next(reader))!)).to.deep.equal([{ value: 1, id: 1 }]);
      await reader.cancel();
      await until(() => caught.length === 2);
      expect(caught).to.deep.equal([oops, oops]);
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const listener of mocha) process.on('uncaughtException', listener);
    }
  });

  it('beats every 5 s by default (under Bun.serve\'s 10 s idleTimeout), hub.serve\'s 15 s being too long there', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const hub = cometHub<number>(CB, { initialChunk: null });
      const reader = (await hub.fetch(request())).body!.getReader();
      await next(reader);
      let beaten = false;
      const beat = next(reader).finally(() => (beaten = true));
      await clock.tickAsync(4_999);
      expect(beaten).to.equal(false);
      await clock.tickAsync(1);
      expect(calls((await beat)!)).to.deep.equal([{ value: { type: 'beat' }, id: 0 }]);
      await reader.cancel();
    } finally {
      clock.restore();
    }
  });

  it('sends the headers given, an array as one value per item, replacing the transport\'s of the same name', async () => {
    const hub = cometHub<number>(CB);
    const answer = await hub.fetch(request('/live', { headers: SSE }), {
      headers: { 'X-Many': ['a', 'b'], 'cache-control': 'no-store', 'X-Count': 3, 'X-None': undefined as never },
    });
    const got: Record<string, string> = {};
    answer.headers.forEach((value, name) => (got[name] = value));
    expect(got).to.deep.equal({
      'cache-control': 'no-store',
      'content-type': 'text/event-stream; charset=utf-8',
      'vary': 'Accept',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      'x-count': '3',
      'x-many': 'a, b',
    });
    await answer.body!.cancel();
    expect(() => hub.fetch(request(), { headers: { 'X-Bad': 'a\nb' } })).to.throw(TypeError, /^hub\.fetch: header 'X-Bad' must not contain CR, LF/);
    expect(hub.size).to.equal(0);
  });
});
