/** One rule for callback names: the client's check and the server's validator agree on every name. */
import { expect } from 'chai';
import { isCometCallback } from '../../src/client/index.js';
import { validateCallback } from '../../src/comet/callback.js';
import { vectors } from '../support/vectors.js';

const SINKS = ['eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'execScript', 'globalEval', 'importScripts',
  'write', 'writeln', 'insertAdjacentHTML', 'html', 'setHTMLUnsafe', 'parseHTML', 'parseHTMLUnsafe', 'append', 'prepend',
  'after', 'before', 'replaceWith', 'wrap', 'wrapAll', 'wrapInner', '$', 'jQuery', 'assign', 'replace', 'open'];

const serverAccepts = (name: unknown): boolean => {
  try {
    validateCallback(name as string);
    return true;
  } catch (error) {
    expect(error).to.be.instanceOf(TypeError);
    return false;
  }
};

describe('callback names: client and server', () => {
  const bad = [
    ...vectors.invalidCallbacks,
    ...SINKS.flatMap((sink) => [sink, `parent.${sink}`, `top.document.${sink}`]),
    'parent.constructor', 'parent.cb.constructor.x', 'constructor.x',
    'parent.cometMessage\u2028', 'parent.c\u00e9', 'parent.cometMessage ', 'parent.x.',
  ];
  const good = [...vectors.validCallbacks, 'parent.cometMessage', 'top.app.onComet', 'parent.$x', 'parent.writer', 'parent.evaluate', 'parent.htmlView',
    // a sink that is not the function called is only a namespace
    ...SINKS.filter((sink) => sink !== 'eval').map((sink) => `parent.${sink}.x`)];

  it('both accept the good names', () => {
    for (const name of good) {
      expect(isCometCallback(name), `client: ${name}`).to.equal(true);
      expect(serverAccepts(name), `server: ${name}`).to.equal(true);
    }
  });

  it('both refuse the bad names, the sinks included', () => {
    for (const name of bad) {
      expect(isCometCallback(name), `client: ${JSON.stringify(name)}`).to.equal(false);
      expect(serverAccepts(name), `server: ${JSON.stringify(name)}`).to.equal(false);
    }
  });

  it('both refuse what is not a string', () => {
    for (const value of [undefined, null, 1, {}, ['parent', 'x']]) {
      expect(isCometCallback(value)).to.equal(false);
      expect(serverAccepts(value)).to.equal(false);
    }
  });
});
