/**
 * One hub, two kinds of client: each message is serialized once at publish and framed at most
 * once per kind (a Comet chunk, an SSE event), only for the kinds that take it; `stats().encoded`
 * counts the frames. The frames are byte for byte what the Comet and SSE encoders write.
 */
import { expect } from 'chai';
import { Comet, CometEncodeError, cometEncoding, cometHub, createHub, SSE, type HubSubscription } from '../../../src/index.js';
import { sse } from '../fixtures/sse.js';
import { vectors, stringInput } from '../../support/vectors.js';
import { take } from '../fixtures/take.js';

const CB = 'parent.cometMessage';

describe('one hub, two kinds of client', () => {
  it('frames each message once per kind that has subscribers, whatever their number', async () => {
    const hub = cometHub<number>(CB, { initialChunk: null });
    const comets = [hub.subscribe(), hub.subscribe(), hub.subscribe()];
    const events = [sse(hub), sse(hub)];
    for (let i = 1; i <= 5; i++) hub.publish(i);
    expect(hub.stats().encoded).to.deep.equal({ comet: 5, sse: 5 });
    const chunks = await Promise.all(comets.map((s) => take(s, 1)));
    const frames = await Promise.all(events.map((s) => take(s, 1)));
    const comet = Comet.encoder('json', CB, { initialChunk: null });
    const wanted = [1, 2, 3, 4, 5].map((v) => comet.encode(v, v, v)).join('');
    for (const c of chunks) expect(c).to.deep.equal([wanted]);
    const event = SSE.encoder('json');
    const wantedEvents = [1, 2, 3, 4, 5].map((v) => event.encode(v, -1, `${hub.epoch}:${v}`)).join('');
    for (const f of frames) expect(f).to.deep.equal([wantedEvents]);
    // the same string shared by every subscriber of a kind
    expect(chunks[0]![0]).to.equal(chunks[2]![0]);
  });

  it('makes no SSE event while only Comet subscribers listen, and no Comet chunk while only SSE ones do', () => {
    const iframes = cometHub<string>(CB, { kind: 'string' });
    iframes.subscribe();
    for (const v of ['a', 'b', 'c']) iframes.publish(v);
    expect(iframes.stats().encoded).to.deep.equal({ comet: 3, sse: 0 });

    const sources = cometHub<string>(CB, { kind: 'string' });
    sse(sources);
    for (const v of ['a', 'b']) sources.publish(v);
    expect(sources.stats().encoded).to.deep.equal({ comet: 0, sse: 2 });

    const nobody = cometHub<string>(CB, { kind: 'string' });
    nobody.publish('x');
    expect(nobody.stats().encoded).to.deep.equal({ comet: 0, sse: 0 });
  });

  it("a kind's first subscriber replaying messages never framed for it: framed then, once, and shared by the next", async () => {
    const hub = cometHub<{ n: number }>(CB, { history: 10, initialChunk: null, map: (v, id) => ({ id, ...v }) });
    const iframe = hub.subscribe();
    for (let n = 1; n <= 4; n++) hub.publish({ n });
    expect(hub.stats().encoded).to.deep.equal({ comet: 4, sse: 0 });
    const first = sse(hub, { since: 1 });
    expect(hub.stats().encoded).to.deep.equal({ comet: 4, sse: 3 });
    const second = sse(hub, { since: 0 });
    expect(hub.stats().encoded, 'ids 2 to 4 are not framed again').to.deep.equal({ comet: 4, sse: 4 });
    const [a] = await take(first, 1);
    const [b] = await take(second, 1);
    const events = SSE.encoder('json');
    const id = (n: number) => `${hub.epoch}:${n}`;
    expect(a).to.equal([2, 3, 4].map((n) => events.encode({ id: n, n }, -1, id(n))).join(''));
    expect(b).to.equal([1, 2, 3, 4].map((n) => events.encode({ id: n, n }, -1, id(n))).join(''));
    // and the reverse: a Comet subscriber replaying what only SSE subscribers took
    iframe.return();
    await first.return();
    hub.publish({ n: 5 });
    expect(hub.stats().encoded).to.deep.equal({ comet: 4, sse: 5 });
    const late = hub.subscribe({ since: 3 });
    expect(hub.stats().encoded).to.deep.equal({ comet: 5, sse: 5 });
    const comet = Comet.encoder('json', CB, { initialChunk: null });
    expect(await take(late, 1)).to.deep.equal([[4, 5].map((n) => comet.encode({ id: n, n }, n, n)).join('')]);
  });

  it('Comet chunks stay byte for byte the shared vectors, and SSE events what SSE.encoder writes', async () => {
    const strings = cometHub<string>(vectors.string[0]!.callback, { kind: 'string', initialChunk: null, coalesce: false });
    const strComet = strings.subscribe();
    const strEvents = sse(strings);
    for (const v of vectors.string) if (v.callback === vectors.string[0]!.callback) strings.publish(stringInput(v));
    const sameCallback = vectors.string.filter((v) => v.callback === vectors.string[0]!.callback);
    const stringChunks = await take(strComet, sameCallback.length);
    const stringEvents = await take(strEvents, sameCallback.length);
    sameCallback.forEach((v, i) => {
      // a vector's chunk is the one-argument call; the hub adds the id as a second argument
      expect(stringChunks[i]).to.equal(v.chunk.replace(/\);<\/script>$/, `,${i + 1});</script>`));
      expect(stringEvents[i]).to.equal(SSE.encoder('string').encode(stringInput(v), -1, `${strings.epoch}:${i + 1}`));
    });

    const jsonVectors = vectors.json.filter((v) => v.callback === vectors.json[0]!.callback);
    const json = cometHub(jsonVectors[0]!.callback, { initialChunk: null, coalesce: false });
    const jsonComet = json.subscribe();
    const jsonEvents = sse(json);
    for (const v of jsonVectors) json.publish(v.input);
    const jsonChunks = await take(jsonComet, jsonVectors.length);
    const jsonFrames = await take(jsonEvents, jsonVectors.length);
    jsonVectors.forEach((v, i) => {
      expect(jsonChunks[i]).to.equal(v.chunk.replace(/\);<\/script>$/, `,${i + 1});</script>`));
      expect(jsonFrames[i]).to.equal(SSE.encoder('json').encode(v.input, -1, `${json.epoch}:${i + 1}`));
    });
    expect(jsonVectors.length).to.be.greaterThan(3);
    expect(sameCallback.length).to.be.greaterThan(3);
  });

  it('an own "__proto__" key: a computed key in the Comet chunk, plain JSON in the SSE event, from one serialization', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    const c = hub.subscribe();
    const e = sse(hub);
    hub.publish(JSON.parse('{"__proto__":{"x":"<é>"}}'));
    expect(await take(c, 1)).to.deep.equal([`<script type="text/javascript">${CB}({["__proto__"]:{"x":"\\u003C\\u00E9\\u003E"}},1);</script>`]);
    expect(await take(e, 1)).to.deep.equal([`id: ${hub.epoch}:1\ndata: {"__proto__":{"x":"<é>"}}\n\n`]);
  });

  it('publish still throws CometEncodeError and publishes nothing for an unencodable message, with both kinds listening', () => {
    const hub = cometHub(CB, { maxDepth: 3 });
    hub.subscribe();
    sse(hub);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [undefined, () => 1, 10n, cycle, [[[[1]]]]]) {
      expect(() => hub.publish(bad), String(bad)).to.throw(CometEncodeError);
    }
    const strings = cometHub(CB, { kind: 'string' });
    expect(() => strings.publish(5)).to.throw(CometEncodeError, /must be a string/);
    expect([hub.lastId, hub.stats().published, hub.stats().offered]).to.deep.equal([0, 0, 0]);
    expect(hub.stats().encoded).to.deep.equal({ comet: 0, sse: 0 });
  });

  it('runs map once per message for both kinds', async () => {
    let runs = 0;
    const hub = cometHub<number>(CB, { initialChunk: null, map: (v, id) => (runs++, [id, v]) });
    const c = hub.subscribe();
    const e = sse(hub);
    hub.publish(7);
    expect(runs).to.equal(1);
    expect(await take(c, 1)).to.deep.equal([`<script type="text/javascript">${CB}([1,7],1);</script>`]);
    expect(await take(e, 1)).to.deep.equal([`id: ${hub.epoch}:1\ndata: [1,7]\n\n`]);
  });

  it('with a finite maxMessageBytes the Comet chunk is made at publish, to check its size, and not made again', async () => {
    const hub = cometHub<string>(CB, { kind: 'string', initialChunk: null, maxMessageBytes: 80 });
    const e = sse(hub);
    hub.publish('short');
    expect(() => hub.publish('x'.repeat(80))).to.throw(CometEncodeError, /over maxMessageBytes \(80\)/);
    expect(hub.lastId).to.equal(1);
    expect(hub.stats().encoded).to.deep.equal({ comet: 1, sse: 1 });
    const c = hub.subscribe();
    hub.publish('next');
    expect(hub.stats().encoded).to.deep.equal({ comet: 2, sse: 2 });
    expect(await take(c, 1)).to.deep.equal([`<script type="text/javascript">${CB}('next',2);</script>`]);
    expect((await take(e, 1))[0]).to.include(`id: ${hub.epoch}:1\ndata: short\n\n`);
  });

  it('with a finite maxMessageBytes, a Comet subscriber replaying messages published while only SSE ones listened gets the chunks made at publish', async () => {
    const hub = cometHub<number>(CB, { history: 10, initialChunk: null, maxMessageBytes: 1000 });
    sse(hub);
    for (let i = 1; i <= 3; i++) hub.publish(i);
    expect(hub.stats().encoded).to.deep.equal({ comet: 3, sse: 3 });
    const late = hub.subscribe({ since: 0 });
    const again = hub.subscribe({ since: 1 });
    expect(hub.stats().encoded, 'no chunk made twice').to.deep.equal({ comet: 3, sse: 3 });
    const comet = Comet.encoder('json', CB, { initialChunk: null });
    expect(await take(late, 1)).to.deep.equal([[1, 2, 3].map((n) => comet.encode(n, n, n)).join('')]);
    expect(await take(again, 1)).to.deep.equal([[2, 3].map((n) => comet.encode(n, n, n)).join('')]);
  });

  it('createHub with cometEncoding serves both kinds too, each hub counting its own frames', () => {
    const encoding = cometEncoding(CB);
    const one = createHub({ ...encoding });
    const two = createHub({ ...encoding });
    sse(one);
    two.subscribe();
    one.publish(1);
    two.publish(1);
    two.publish(2);
    expect(one.stats().encoded).to.deep.equal({ comet: 0, sse: 1 });
    expect(two.stats().encoded).to.deep.equal({ comet: 2, sse: 0 });
    // the public encode still makes the chunk, as before
    expect(encoding.encode({ a: 1 }, 3)).to.equal(`<script type="text/javascript">${CB}({"a":1},3);</script>`);
  });

  it('a plain createHub with its own encode keeps its one kind', async () => {
    const hub = createHub<number, string>({ encode: (v, id) => `${id}=${v}` });
    const s = hub.subscribe();
    hub.publish(4);
    expect(await take(s, 1)).to.deep.equal(['1=4']);
    expect(hub.stats().encoded).to.deep.equal({ comet: 0, sse: 0 });
    expect(() => sse(hub)).to.throw(TypeError, /^subscribe: this hub has no Server-Sent Events subscribers$/);
  });
});
