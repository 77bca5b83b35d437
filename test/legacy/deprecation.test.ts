import { expect } from 'chai';
import sinon from 'sinon';
import { Concurrent, Enumeratee, Enumerator, Input, Iteratee, LegacyComet, Streams } from '../../src/index.js';
import * as root from '../../src/index.js';
import { DEPRECATIONS, resetDeprecationWarnings } from '../../src/legacy/deprecation.js';
import { EMPTY } from '../../src/legacy/input.js';

/** Each legacy API, used once, and the code its first use must warn with. */
const uses: [code: string, use: () => unknown][] = [
  ['COMETBRIDGE_DEP0001', () => Enumerator.of(1)],
  ['COMETBRIDGE_DEP0002', () => Iteratee.getChunks()],
  ['COMETBRIDGE_DEP0003', () => Enumeratee.take(1)],
  ['COMETBRIDGE_DEP0004', () => Concurrent.broadcast()],
  ['COMETBRIDGE_DEP0005', () => Concurrent.unicast(() => {})],
  ['COMETBRIDGE_DEP0006', () => LegacyComet.apply('cb')],
  ['COMETBRIDGE_DEP0007', () => Streams.sourceToEnumerator({ async *[Symbol.asyncIterator]() {} })],
  ['COMETBRIDGE_DEP0008', () => Input.EOF],
];

describe('legacy deprecation warnings', () => {
  let emitWarning: sinon.SinonStub;

  beforeEach(() => {
    resetDeprecationWarnings();
    emitWarning = sinon.stub(process, 'emitWarning');
  });

  afterEach(() => {
    emitWarning.restore();
    resetDeprecationWarnings();
  });

  for (const [code, use] of uses) {
    it(`${code}: the first use warns once with type DeprecationWarning, later uses are silent`, () => {
      use();
      use();
      use();
      expect(emitWarning.callCount).to.equal(1);
      const [message, options] = emitWarning.firstCall.args as [string, { type: string; code: string }];
      expect(options).to.deep.equal({ type: 'DeprecationWarning', code });
      expect(message).to.match(/ is deprecated: use .+ instead \(see migration-guide\.md\)\.$/);
    });
  }

  it('every API has its own code, and the warnings name the replacement', () => {
    for (const [, use] of uses) use();
    const codes = emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code);
    expect(codes).to.deep.equal(uses.map(([code]) => code));
    expect(new Set(Object.values(DEPRECATIONS).map((d) => d.code)).size).to.equal(uses.length);
    const comet = emitWarning.getCalls().find((c) => (c.args[1] as { code: string }).code === 'COMETBRIDGE_DEP0006');
    expect(comet?.args[0]).to.equal('LegacyComet.apply (Comet.apply) is deprecated: use Comet.string() or Comet.json() instead (see migration-guide.md).');
  });

  it('using one API does not silence another', () => {
    Enumerator.empty();
    Enumerator.of(1).map((x) => x);
    Iteratee.ignore();
    expect(emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code)).to.deep.equal([
      'COMETBRIDGE_DEP0001',
      'COMETBRIDGE_DEP0002',
    ]);
  });

  it('constructing an Enumerator, Enumeratee or Iteratee directly warns; what the library builds for you does not', async () => {
    const [broadcast, channel] = Concurrent.broadcast<number>();
    const running = broadcast.map((x) => x + 1).onDoneEnumerating(() => {}).apply(new Iteratee<number, void>({ kind: 'done', value: undefined, remaining: EMPTY }));
    channel.push(1);
    channel.end();
    await running;
    expect(emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code)).to.deep.equal(['COMETBRIDGE_DEP0004', 'COMETBRIDGE_DEP0002']);
    new Enumerator<number>(async (it) => it);
    new Enumeratee<number, number>((inner) => Iteratee.done(inner));
    expect(emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code)).to.deep.equal([
      'COMETBRIDGE_DEP0004',
      'COMETBRIDGE_DEP0002',
      'COMETBRIDGE_DEP0001',
      'COMETBRIDGE_DEP0003',
    ]);
  });

  it('the package root exports the legacy API as LegacyComet, not as a second Comet', () => {
    expect(root.LegacyComet).to.equal(LegacyComet);
    expect(root.Comet).to.not.equal(LegacyComet);
    expect(typeof root.Comet.string).to.equal('function');
    expect('resetDeprecationWarnings' in root).to.equal(false);
  });
});
