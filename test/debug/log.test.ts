import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sinon from 'sinon';
import { log } from '../../src/debug/index.js';
import { collect, fromArray } from '../support/collect.js';

const fixture = fileURLToPath(new URL('./fixtures/log-child.ts', import.meta.url));

/** Runs the fixture in a child Node with the given NODE_DEBUG; resolves its stdout and stderr. */
function runChild(nodeDebug: string): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, NODE_DEBUG: nodeDebug };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', fixture], { env, timeout: 15000 }, (error, stdout, stderr) =>
      error ? reject(error) : resolve({ stdout, stderr }),
    );
  });
}

describe('log', () => {
  it('writes one line per element, then the end, to a given sink', async () => {
    const write = sinon.spy();
    const out = await collect(log<unknown>('clock', { write })(fromArray(['a', { n: 1 }, new Uint8Array([1, 2])])));
    expect(out).to.deep.equal(['a', { n: 1 }, new Uint8Array([1, 2])]);
    expect(write.args.map((args) => args[0])).to.deep.equal([
      "clock #0 'a'",
      'clock #1 { n: 1 }',
      'clock #2 Uint8Array(2) [ 1, 2 ]',
      'clock ended after 3 elements',
    ]);
  });

  it('writes the failure and the cancellation', async () => {
    const write = sinon.spy();
    async function* failing() {
      yield 1;
      throw new RangeError('bad');
    }
    const caught = await collect(log<number>('p', { write })(failing())).catch((error: Error) => error);
    expect((caught as Error).message).to.equal('bad');
    expect(write.args[0]?.[0]).to.equal('p #0 1');
    expect(write.args[1]?.[0]).to.match(/^p failed after 1 element: RangeError: bad\n {4}at /);

    write.resetHistory();
    for await (const value of log<string>(undefined, { write })(fromArray(['x', 'y']))) {
      expect(value).to.equal('x');
      break;
    }
    expect(write.args.map((args) => args[0])).to.deep.equal(["stream #0 'x'", 'stream cancelled after 1 element']);
  });

  it('shortens long strings such as the initial chunk', async () => {
    const write = sinon.spy();
    await collect(log<string>('c', { write })(fromArray([' '.repeat(5120) + '<html><body>'])));
    expect(write.args[0]?.[0]).to.equal(`c #0 '${' '.repeat(120)}'... 5012 more characters`);
  });

  it('rejects a bad label or sink at once', () => {
    expect(() => log(42 as unknown as string)).to.throw(TypeError, 'log: label must be a string');
    expect(() => log('x', { write: 'no' as unknown as () => void })).to.throw(TypeError, 'log: options.write must be a function');
  });

  it('prints through util.debuglog when NODE_DEBUG names comet-bridge', async () => {
    const { stdout, stderr } = await runChild('comet-bridge');
    expect(JSON.parse(stdout)).to.deep.equal(['12:00', '12:01', 1, 'feed lost', { a: [1, 2] }]);
    const lines = stderr
      .split('\n')
      .filter((line) => line.startsWith('COMET-BRIDGE '))
      .map((line) => line.replace(/^COMET-BRIDGE \d+: /, ''));
    expect(lines).to.deep.equal([
      "clock #0 '12:00'",
      "clock #1 '12:01'",
      'clock ended after 2 elements',
      'prices #0 1',
      'prices failed after 1 element: TypeError: feed lost',
      'stream #0 { a: [ 1, 2 ] }',
      'stream cancelled after 1 element',
    ]);
  });

  it('prints nothing when NODE_DEBUG does not name comet-bridge', async () => {
    const { stdout, stderr } = await runChild('http');
    expect(JSON.parse(stdout)).to.deep.equal(['12:00', '12:01', 1, 'feed lost', { a: [1, 2] }]);
    expect(stderr).to.not.include('COMET-BRIDGE');
  });
});
