/** validateCallback refuses callbacks that would run each message as code or HTML in the page. */
import { expect } from 'chai';
import { Comet } from '../../src/index.js';

const { validateCallback } = Comet;

/** Each refused last segment, and a word the message must use to say why. */
const sinks: [string, RegExp][] = [
  ...['eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'execScript', 'globalEval', 'importScripts'].map(
    (name): [string, RegExp] => [name, /runs a string argument as code/],
  ),
  ...['write', 'writeln', 'insertAdjacentHTML', 'html', 'setHTMLUnsafe', 'parseHTML', 'parseHTMLUnsafe', 'append', 'prepend',
    'after', 'before', 'replaceWith', 'wrap', 'wrapAll', 'wrapInner', '$', 'jQuery'].map(
    (name): [string, RegExp] => [name, /as HTML/],
  ),
  ...['assign', 'replace', 'open'].map((name): [string, RegExp] => [name, /javascript: URL/]),
  ['constructor', /is Function/],
];

describe('validateCallback: sinks', () => {
  for (const [sink, why] of sinks) {
    const paths = [`parent.${sink}`, `window.top.document.${sink}`];
    if (sink !== 'eval') paths.unshift(sink); // a bare `eval` is also a reserved word: see below
    for (const path of paths) {
      it(`refuses ${JSON.stringify(path)}, naming ${sink} and why`, () => {
        expect(() => validateCallback(path)).to.throw(TypeError, `validateCallback: callback ${JSON.stringify(path)} is refused: ${sink} `);
        expect(() => validateCallback(path)).to.throw(TypeError, why);
        expect(() => Comet.json(path)).to.throw(TypeError, `Comet.json: callback ${JSON.stringify(path)} is refused`);
      });
    }
  }

  it('refuses a bare eval (it runs its argument as code)', () => {
    expect(() => validateCallback('eval')).to.throw(TypeError, 'eval runs a string argument as code');
  });

  it('refuses a constructor anywhere in the path (on a function it is Function)', () => {
    expect(() => validateCallback('parent.cb.constructor.call')).to.throw(TypeError, 'constructor is Function');
    expect(() => Comet.string('a.constructor.x')).to.throw(TypeError, 'Comet.string: callback "a.constructor.x" is refused');
  });

  for (const name of ['parent.cometMessage', 'parent.writeLog', 'app.opened', 'evaluate', 'x.setTimeoutLater', 'parent.setTimeout.call', '$.fn.x', 'jq.htmlEscaped', 'a.Functions']) {
    it(`still accepts ${JSON.stringify(name)}`, () => {
      expect(validateCallback(name)).to.equal(name);
      expect(Comet.encoder('json', name).encode(1)).to.equal(`<script type="text/javascript">${name}(1);</script>`);
    });
  }

  it('names the function and the bad value in the other refusals', () => {
    expect(() => validateCallback(42 as unknown as string)).to.throw(TypeError, 'validateCallback: callback must be a string, got the number 42');
    expect(() => Comet.flow('a b')).to.throw(TypeError, 'Comet.flow: callback must be a dotted path');
    expect(() => Comet.encoder('string', 'a.new')).to.throw(TypeError, 'Comet.encoder: callback "a.new" holds the reserved word "new"');
  });
});
