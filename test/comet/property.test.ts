import { expect } from 'chai';
import fc from 'fast-check';
import vm from 'node:vm';
import { Comet } from '../../src/index.js';

const open = '<script type="text/javascript">';
const close = ');</script>';

/** Runs the script content of one chunk in a fresh context and returns the argument the callback got. */
function evaluate(chunk: string, callback: string): unknown {
  expect(chunk.startsWith(open)).to.equal(true);
  expect(chunk.endsWith('</script>')).to.equal(true);
  const script = chunk.slice(open.length, -'</script>'.length);
  const received: unknown[] = [];
  const context = vm.createContext({ parent: { cometMessage: (v: unknown) => received.push(v) } });
  vm.runInContext(script, context);
  expect(received).to.have.length(1);
  expect(callback).to.equal('parent.cometMessage');
  return received[0];
}

/** No chunk may end the script element or enter a comment / escape state before its own closing tag. */
function assertScriptSafe(chunk: string): void {
  const body = chunk.slice(0, -'</script>'.length);
  expect(body.toLowerCase()).not.to.contain('</script');
  expect(body).not.to.contain('<!--');
  const message = chunk.slice(open.length, -close.length);
  expect(message, 'the message holds no < or > at all').not.to.match(/[<>]/);
  expect(message).not.to.match(/[\u2028\u2029]/);
  expect(/^[\x00-\x7f]*$/.test(chunk), 'chunk is pure ASCII').to.equal(true);
  expect(chunk.endsWith(close)).to.equal(true);
}

/** Strings biased towards what breaks script elements and JavaScript literals. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('<', '/', 's', 'c', 'r', 'i', 'p', 't', '>', '!', '-', '\\', "'", '"', '\u2028', '\u2029', '\ud800', '\udc00', '\u0000', '\n') }),
  fc.constantFrom('</script>', '<!--<script>', '-->', '<\\/script>', '\u2028\u2029', '\ud83d', '\ude00', '</SCRIPT >', ']]>'),
);

describe('Comet encoder properties', function () {
  // CPU-bound: the time limit only catches a hang, never a slow machine
  this.timeout(300_000);
  const encodeString = Comet.encoder<string>('string', 'parent.cometMessage');
  const encodeJson = Comet.encoder<unknown>('json', 'parent.cometMessage');

  it('any string round-trips through Comet.string and stays script-safe', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const chunk = encodeString.encode(s);
        assertScriptSafe(chunk);
        expect(evaluate(chunk, 'parent.cometMessage')).to.equal(s);
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('any JSON value round-trips through Comet.json and stays script-safe', () => {
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: fc.oneof(fc.constant('binary' as const), fc.constant('grapheme' as const)) as never });
    fc.assert(
      fc.property(fc.oneof(json, fc.dictionary(fc.oneof(hostile, fc.constant('__proto__')), fc.oneof(hostile, json)), fc.array(hostile)), (value) => {
        const chunk = encodeJson.encode(value);
        assertScriptSafe(chunk);
        expect(evaluate(chunk, 'parent.cometMessage')).to.deep.equal(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('JSON output is JSON (bar computed "__proto__" keys) equal to JSON.stringify up to escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const chunk = encodeJson.encode(value);
        const literal = chunk.slice(`${open}parent.cometMessage(`.length, -close.length);
        expect(JSON.parse(literal.replace(/([{,])\["__proto__"\]:/g, '$1"__proto__":'))).to.deep.equal(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
