import { expect } from 'chai';
import { Comet } from '../../../src/comet/index.js';
import { CometEncodeError } from '../../../src/errors.js';
import { cometEncoding, cometHub, createHub } from '../../../src/hub/index.js';
import { collect } from '../../support/collect.js';

describe('cometHub', () => {
  it('yields the initial chunk, then one script chunk per message: Comet.json bytes with the id as second argument', async () => {
    const hub = cometHub<unknown>('parent.cometMessage');
    const s = hub.subscribe();
    hub.publish({ a: 1 });
    hub.publish('</script>');
    hub.close();
    const json = await collect(Comet.json('parent.cometMessage')((async function* () {
      yield { a: 1 };
      yield '</script>';
    })()));
    const withIds = json.map((chunk, i) => (i === 0 ? chunk : chunk.replace(/\);<\/script>$/, `,${i});</script>`)));
    expect((await collect(s)).join('')).to.equal(withIds.join(''));
    expect(withIds[0]).to.equal(Comet.initialHtmlChunk);
    expect(withIds[1]).to.equal('<script type="text/javascript">parent.cometMessage({"a":1},1);</script>');
    expect(withIds[2]).to.equal('<script type="text/javascript">parent.cometMessage("\\u003C/script\\u003E",2);</script>');
  });

  it("kind 'string' matches Comet.string; initialChunk null sends no initial chunk", async () => {
    const hub = cometHub<string>('cb', { kind: 'string', initialChunk: null });
    const s = hub.subscribe();
    hub.publish("it's");
    hub.close();
    const expected = await collect(Comet.string('cb', { initialChunk: null })((async function* () {
      yield "it's";
    })()));
    expect(expected).to.have.length(1);
    expect(await collect(s)).to.deep.equal([expected[0]!.replace(');</script>', ',1);</script>')]);
  });

  it('encodes each message once: every subscriber gets the very same string', async () => {
    const hub = cometHub<number>('cb', { initialChunk: null });
    const subs = [hub.subscribe(), hub.subscribe(), hub.subscribe()];
    hub.publish(42);
    const chunks = await Promise.all(subs.map(async (s) => (await s.next()).value));
    expect(chunks[0]).to.equal('<script type="text/javascript">cb(42,1);</script>');
    expect(new Set(chunks).size).to.equal(1);
    hub.close();
  });

  it('map() sees the id, so pages can reconnect with since', async () => {
    const hub = cometHub<string>('cb', { initialChunk: null, history: 5, map: (v, id) => ({ id, v }) });
    hub.publish('a');
    hub.publish('b');
    const s = hub.subscribe({ since: 1 });
    hub.close();
    expect(await collect(s)).to.deep.equal(['<script type="text/javascript">cb({"id":2,"v":"b"},2);</script>']);
  });

  it('an unencodable message makes publish throw CometEncodeError naming the id, and publishes nothing', async () => {
    const hub = cometHub<unknown>('cb', { initialChunk: null });
    const s = hub.subscribe();
    hub.publish(1);
    expect(() => hub.publish(10n)).to.throw(CometEncodeError).with.property('index', 2);
    expect(hub.publish(3)).to.equal(2);
    hub.close();
    expect((await collect(s)).join('')).to.equal('<script type="text/javascript">cb(1,1);</script><script type="text/javascript">cb(3,2);</script>');
  });

  it('a throwing map makes publish throw that error, consumes no id and delivers nothing', async () => {
    const oops = new RangeError('no such price');
    const hub = cometHub<number>('cb', {
      initialChunk: null,
      map: (v, id) => {
        if (v < 0) throw oops;
        return { id, v };
      },
    });
    const s = hub.subscribe();
    expect(() => hub.publish(-1)).to.throw(oops);
    expect(hub.publish(5)).to.equal(1);
    hub.close();
    expect(await collect(s)).to.deep.equal(['<script type="text/javascript">cb({"id":1,"v":5},1);</script>']);
    expect(hub.stats().published).to.equal(1);
  });

  it('passes nonce and maxMessageBytes to the encoder', async () => {
    const hub = cometHub<string>('cb', { kind: 'string', initialChunk: null, nonce: 'abc123', maxMessageBytes: 80 });
    const s = hub.subscribe();
    hub.publish('ok');
    expect(() => hub.publish('x'.repeat(100))).to.throw(CometEncodeError);
    hub.close();
    expect(await collect(s)).to.deep.equal([`<script type="text/javascript" nonce="abc123">cb('ok',1);</script>`]);
  });

  it('hands a subscriber the chunks waiting for it as one string, counting each message', async () => {
    const hub = cometHub<number>('cb', { initialChunk: 'I', history: 10 });
    hub.publish(1);
    const replay = hub.subscribe({ since: 0 });
    expect((await replay.next()).value).to.equal('I<script type="text/javascript">cb(1,1);</script>');
    const s = hub.subscribe();
    expect((await s.next()).value).to.equal('I');
    const pending = s.next();
    hub.publish(2);
    expect((await pending).value).to.equal('<script type="text/javascript">cb(2,2);</script>');
    hub.publish(3);
    hub.publish(4);
    hub.publish(5);
    expect((await s.next()).value).to.equal([3, 4, 5].map((i) => `<script type="text/javascript">cb(${i},${i});</script>`).join(''));
    expect(s.lastId).to.equal(5);
    expect(s.stats.buffered).to.equal(0);
    expect(hub.stats().delivered).to.equal(5);
    hub.close();
  });

  it('coalesce: false hands over one chunk per message', async () => {
    const hub = cometHub<number>('cb', { initialChunk: null, coalesce: false });
    const s = hub.subscribe();
    hub.publish(1);
    hub.publish(2);
    hub.close();
    expect(await collect(s)).to.deep.equal(['<script type="text/javascript">cb(1,1);</script>', '<script type="text/javascript">cb(2,2);</script>']);
  });

  it('rejects a bad callback, kind, map or onInvalid at creation', () => {
    expect(() => cometHub('cb', { coalesce: 'yes' as never })).to.throw(TypeError, /coalesce/);
    expect(() => cometHub('alert(1)//')).to.throw(TypeError);
    expect(() => cometHub('cb', { kind: 'flow' as never })).to.throw(TypeError, /kind/);
    expect(() => cometHub('cb', { map: 1 as never })).to.throw(TypeError, /map/);
    expect(() => cometHub('cb', { onInvalid: 'skip' } as never)).to.throw(TypeError, /onInvalid/);
    expect(() => cometHub('cb', { limit: 0 })).to.throw(RangeError);
  });
});

describe('cometEncoding', () => {
  it('gives encode and initial for createHub', async () => {
    const encoding = cometEncoding<string>('cb', { kind: 'string' });
    expect(encoding.initial).to.equal(Comet.initialHtmlChunk);
    expect(encoding.encode('hi', 1)).to.equal(`<script type="text/javascript">cb('hi',1);</script>`);
    const hub = createHub<string, string>({ ...encoding, policy: 'drop-oldest' });
    const s = hub.subscribe();
    hub.publish('hi');
    hub.close();
    expect(await collect(s)).to.deep.equal([Comet.initialHtmlChunk, `<script type="text/javascript">cb('hi',1);</script>`]);
  });

  it('initial is undefined with initialChunk null', () => {
    expect(cometEncoding('cb', { initialChunk: null }).initial).to.equal(undefined);
  });
});
