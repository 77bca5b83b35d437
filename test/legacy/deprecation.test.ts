import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sinon from 'sinon';
import { Comet, cometEncoding, Concurrent, createHub, Enumeratee, Enumerator, Input, Iteratee, LegacyComet, Streams } from '../../src/index.js';
import { Comet as encoders } from '../../src/comet/index.js';
import * as root from '../../src/index.js';
import { DEPRECATIONS, resetDeprecationWarnings } from '../../src/util/deprecation.js';
import { EMPTY } from '../../src/legacy/input.js';

/** Each legacy API, used once, and the code its first use must warn with. */
const uses: [code: string, use: () => unknown][] = [
  ['COMETBRIDGE_DEP0001', () => Enumerator.of(1)],
  ['COMETBRIDGE_DEP0002', () => Iteratee.getChunks()],
  ['COMETBRIDGE_DEP0003', () => Enumeratee.take(1)],
  ['COMETBRIDGE_DEP0004', () => Concurrent.broadcast()],
  ['COMETBRIDGE_DEP0005', () => Concurrent.unicast(() => {})],
  ['COMETBRIDGE_DEP0006', () => Comet.apply('cb')],
  ['COMETBRIDGE_DEP0007', () => Streams.sourceToEnumerator({ async *[Symbol.asyncIterator]() {} })],
  ['COMETBRIDGE_DEP0008', () => Input.EOF],
  ['COMETBRIDGE_DEP0009', () => createHub({ ...cometEncoding('cb') })],
  ['COMETBRIDGE_DEP0010', () => root.escapeJsString('x')],
  ['COMETBRIDGE_DEP0011', () => root.validateCallback('cb')],
  ['COMETBRIDGE_DEP0012', () => expect(() => root.cometFastify(null as never)).to.throw(TypeError, /cometFastify/)],
  ['COMETBRIDGE_DEP0013', () => root.tap(() => {})],
  ['COMETBRIDGE_DEP0014', () => expect(root.cometHeaders['Content-Type']).to.equal('text/html; charset=utf-8')],
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
    expect(comet?.args[0]).to.equal('Comet.apply (LegacyComet.apply) is deprecated: use Comet.string() or Comet.json() instead (see migration-guide.md).');
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

  it('the package root has one Comet: the encoders, the checks, the headers and the deprecated apply; LegacyComet holds apply alone', () => {
    expect(Object.keys(root.Comet).sort()).to.deep.equal([...Object.keys(encoders), 'apply', 'headers', 'validateCallback', 'validateNonce'].sort());
    for (const key of Object.keys(encoders) as (keyof typeof encoders)[]) expect(root.Comet[key], key).to.equal(encoders[key]);
    expect(root.Comet.apply).to.equal(LegacyComet.apply);
    expect(Object.isFrozen(root.Comet)).to.equal(true);
    expect('apply' in encoders, 'src/comet stays free of the legacy layer').to.equal(false);
    expect('resetDeprecationWarnings' in root).to.equal(false);
    expect('shareIdentity' in root).to.equal(false);
  });

  it('Comet.apply and LegacyComet.apply share one warning', () => {
    LegacyComet.apply('cb');
    Comet.apply('cb');
    expect(emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code)).to.deep.equal(['COMETBRIDGE_DEP0006']);
  });
});

/** Runs `code` (an ES module importing the package source) with tsx and `flags`; resolves with its stdout. */
function runChild(code: string, flags: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const entry = new URL('../../src/index.ts', import.meta.url).href;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, '--import', 'tsx', '--input-type=module', '-e', code.replaceAll('ENTRY', entry)],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => resolve({ stdout, stderr, exitCode: error ? ((error as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

describe('legacy deprecation under --throw-deprecation', function () {
  this.timeout(30_000);

  it('the first use throws the warning synchronously at the call site, once; try/catch catches it', async () => {
    const { stdout, stderr, exitCode } = await runChild(
      `import { Comet, Enumerator } from 'ENTRY';
      const seen = [];
      for (const use of [() => Comet.apply('cb'), () => Comet.apply('cb'), () => Enumerator.of(1)]) {
        try { use(); seen.push('ok'); } catch (e) { seen.push(e.name + ' ' + e.code + ' ' + (e instanceof Error)); }
      }
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify(seen));`,
      ['--throw-deprecation'],
    );
    expect(stderr).to.equal('');
    expect(exitCode).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal([
      'DeprecationWarning COMETBRIDGE_DEP0006 true',
      'ok',
      'DeprecationWarning COMETBRIDGE_DEP0001 true',
    ]);
  });

  it('without the flag the first use warns and returns; --no-deprecation silences it', async () => {
    const code = `import { Comet } from 'ENTRY';
      Comet.apply('cb'); Comet.apply('cb');
      console.log('returned');`;
    const plain = await runChild(code, []);
    expect(plain.stdout).to.equal('returned\n');
    expect(plain.stderr.match(/COMETBRIDGE_DEP0006/g)).to.have.length(1);
    const quiet = await runChild(code, ['--no-deprecation']);
    expect(quiet.stdout).to.equal('returned\n');
    expect(quiet.stderr).to.equal('');
    const both = await runChild(code, ['--no-deprecation', '--throw-deprecation']);
    expect(both.stdout, '--no-deprecation wins, as in Node').to.equal('returned\n');
  });
});
