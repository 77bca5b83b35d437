/**
 * The entry format of the Redis hub's stream, without a server: the reply shapes of both clients,
 * what counts as an entry written by a hub, and what the signature covers.
 */
import { expect } from 'chai';
import { parseEntry, rangeEntries, readEntries, readStreams, sign, verify } from '../../../src/hub/redis/stream.js';

const fields = ['id', '7', 'epoch', 'E1', 'data', '"x"'];
const entries = [['1-0', fields], ['2-0', ['foo', 'bar']]];

describe('Redis hub stream entries', () => {
  it('reads XREAD replies as RESP2 (node-redis), unwrapped (ioredis 6), a RESP3 map, or nothing', () => {
    const expected = [{ streamId: '1-0', fields }, { streamId: '2-0', fields: ['foo', 'bar'] }];
    expect(readEntries([['s', entries]])).to.deep.equal(expected);
    expect(readEntries(['s', entries])).to.deep.equal(expected);
    expect(readEntries(new Map([['s', entries]]))).to.deep.equal(expected);
    expect(readEntries({ s: entries })).to.deep.equal(expected);
    expect(readEntries(null)).to.deep.equal([]);
    expect(rangeEntries([[Buffer.from('3-1'), [Buffer.from('id')]], 'junk'])).to.deep.equal([{ streamId: '3-1', fields: [Buffer.from('id')] }]);
  });

  it('reads a multi-stream XREAD reply by stream key, in every reply shape', () => {
    const other = [['5-0', fields]];
    const expected = new Map([
      ['a', [{ streamId: '1-0', fields }, { streamId: '2-0', fields: ['foo', 'bar'] }]],
      ['b', [{ streamId: '5-0', fields }]],
    ]);
    expect(readStreams([['a', entries], [Buffer.from('b'), other]])).to.deep.equal(expected);
    expect(readStreams(new Map<unknown, unknown>([['a', entries], ['b', other]]))).to.deep.equal(expected);
    expect(readStreams({ a: entries, b: other })).to.deep.equal(expected);
    expect(readStreams(['a', entries])).to.deep.equal(new Map([['a', expected.get('a')]]));
    expect(readStreams(null).size).to.equal(0);
    expect(readStreams([]).size).to.equal(0);
  });

  it('takes only the exact fields a hub writes', () => {
    expect(parseEntry(fields, false)).to.deep.equal({ id: 7, epoch: 'E1', data: '"x"', topic: '', sig: undefined });
    expect(parseEntry([...fields, 'sig', 'ab'], true)).to.deep.include({ id: 7, sig: 'ab', topic: '' });
    // a message of a named topic: the topic after the data, before the signature
    expect(parseEntry([...fields, 'topic', 'user:42'], false)).to.deep.include({ id: 7, topic: 'user:42' });
    expect(parseEntry([...fields, 'topic', 'user:42', 'sig', 'ab'], true)).to.deep.include({ topic: 'user:42', sig: 'ab' });
    for (const bad of [
      ['foo', 'bar'],
      [...fields, 'extra', '1'],
      ['epoch', 'E1', 'id', '7', 'data', '"x"'],
      ['id', '07', 'epoch', 'E1', 'data', '"x"'],
      ['id', '0', 'epoch', 'E1', 'data', '"x"'],
      ['id', '99999999999999999', 'epoch', 'E1', 'data', '"x"'],
      ['id', '7', 'epoch', 'not an epoch', 'data', '"x"'],
      ['id', '7', 'epoch', 'E1', 'data', 5],
      [...fields, 'topic', ''],
      [...fields, 'topic', 'a b'],
      [...fields, 'topic', 'open'],
      [...fields, 'sig', 'ab', 'topic', 'x'],
      [...fields, 'topic'],
    ]) expect(parseEntry(bad, false), JSON.stringify(bad)).to.equal(null);
    expect(parseEntry(fields, true)).to.equal(null);
  });

  it('signs the epoch, the id, the channel and the data', () => {
    const entry = { id: 7, epoch: 'E1', data: '"x"', topic: '' };
    const sig = sign('secret', 'prices', entry.epoch, entry.id, entry.data);
    expect(sig).to.match(/^[0-9a-f]{64}$/).and.equal(sign(Buffer.from('secret'), 'prices', 'E1', 7, '"x"'));
    expect(verify('secret', 'prices', { ...entry, sig })).to.equal(true);
    expect(verify('other', 'prices', { ...entry, sig })).to.equal(false);
    expect(verify('secret', 'news', { ...entry, sig })).to.equal(false);
    expect(verify('secret', 'prices', { ...entry, id: 8, sig })).to.equal(false);
    expect(verify('secret', 'prices', { ...entry, epoch: 'E2', sig })).to.equal(false);
    expect(verify('secret', 'prices', { ...entry, data: '"y"', sig })).to.equal(false);
    expect(verify('secret', 'prices', { ...entry, sig: undefined })).to.equal(false);
    expect(verify('secret', 'prices', { ...entry, sig: 'zz' })).to.equal(false);
    // the channel's length is signed: moving bytes between the channel and the data changes the signature
    expect(sign('secret', 'ab', 'E1', 7, 'c')).to.not.equal(sign('secret', 'a', 'E1', 7, 'bc'));
    // the topic is signed, length-prefixed: another topic, or bytes moved between topic and data, fail
    const topical = { ...entry, topic: 'news', sig: sign('secret', 'prices', 'E1', 7, '"x"', 'news') };
    expect(verify('secret', 'prices', topical)).to.equal(true);
    expect(verify('secret', 'prices', { ...topical, topic: 'sport' })).to.equal(false);
    expect(verify('secret', 'prices', { ...topical, topic: '' })).to.equal(false);
    expect(sign('secret', 'p', 'E1', 7, 'sx', 'new')).to.not.equal(sign('secret', 'p', 'E1', 7, 'x', 'news'));
  });
});
