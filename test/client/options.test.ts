/**
 * connectComet checks its URL and every option before it does anything: a value of the wrong type is a
 * TypeError, a number out of range a RangeError, both naming connectComet and the option; the page is
 * left as it was (no iframe, EventSource, timer, listener or callback).
 */
import { expect } from 'chai';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { fakeBrowser } from './fake-browser.js';
import { FakeEventSource } from './fake-event-source.js';

const OK = { callback: 'parent.cometMessage', onMessage: () => {} };

describe('connectComet options', () => {
  const fake = fakeBrowser();

  /**
   * Expects `connectComet(url, options)` (url: `'/comet'` unless given) to throw `type` with a message matching
   * `message`, and to leave the page untouched.
   */
  const refuses = (options: unknown, type: typeof TypeError | typeof RangeError, message: RegExp, ...urls: unknown[]): void => {
    const url = urls.length > 0 ? urls[0] : '/comet';
    const { page, clock } = fake;
    const before = { frames: page.frames.length, sources: FakeEventSource.made.length, timers: clock.countTimers() };
    const what = `${String(url)} ${JSON.stringify(options, (_, v: unknown) => (typeof v === 'function' || typeof v === 'bigint' ? String(v) : v))}`;
    let error: unknown;
    try {
      fake.keep(connectComet(url as string, options as ConnectCometOptions));
    } catch (e) {
      error = e;
    }
    expect(error, what).to.be.instanceOf(type);
    expect(error, what).to.not.be.instanceOf(type === TypeError ? RangeError : TypeError);
    expect((error as Error).message, what).to.match(/^connectComet: /).and.match(message);
    expect({ frames: page.frames.length, sources: FakeEventSource.made.length, timers: clock.countTimers() }, what).to.deep.equal(before);
    expect([...page.listeners.values()].every((s) => s.size === 0), what).to.equal(true);
    expect((globalThis as Record<string, unknown>).cometMessage, what).to.equal(undefined);
  };
  /** Expects `connectComet(url, options)` to connect (a stream is being opened, by this tab), then closes it. */
  const accepts = (options: Partial<ConnectCometOptions>, url: string | URL = '/comet'): CometConnection => {
    const c = connectComet(url, { ...OK, ...options });
    expect([c.state, c.leader], JSON.stringify(options)).to.deep.equal(['connecting', true]);
    c.close();
    return c;
  };

  it('url: a string or a URL, else a TypeError (null is not taken for "/null")', () => {
    for (const url of [null, undefined, 42, {}, ['/comet'], true]) refuses(OK, TypeError, /^connectComet: url must be a string or a URL, got /, url);
    refuses(OK, TypeError, /^connectComet: url must be a valid URL, got "http:\/\/\[bad"$/, 'http://[bad');
    accepts({}, new URL('http://127.0.0.1:8080/comet?room=1'));
    expect(fake.page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=1');
  });

  it('options: an object naming only known options', () => {
    for (const options of [undefined, null, 'x', 5, true]) refuses(options, TypeError, /^connectComet: options must be an object, got /);
    refuses({ ...OK, sinse: 3 }, TypeError, /^connectComet: unknown option sinse$/);
    refuses({ ...OK, reconnect: { minMs: 10, min: 5 } }, TypeError, /^connectComet: unknown option reconnect\.min$/);
  });

  it("transport: 'iframe', 'eventsource' or 'auto'; kind: 'json' or 'string'", () => {
    for (const transport of ['websocket', 'IFRAME', 5, null, true]) {
      refuses({ ...OK, transport }, TypeError, /^connectComet: options\.transport must be 'iframe', 'eventsource' or 'auto', got /);
    }
    for (const kind of ['text', 'JSON', 1, null]) {
      refuses({ ...OK, transport: 'eventsource', kind }, TypeError, /^connectComet: options\.kind must be 'json' or 'string', got /);
    }
    expect(accepts({ transport: 'eventsource', kind: 'string' }).transport).to.equal('eventsource');
  });

  it('callback: a name the server accepts, starting with parent. or top.; given, it is checked on EventSource too', () => {
    const bad = ['parent.eval', 'document.write', 'cometMessage', 'parent', 'top.', 'parent.constructor', 5, null, {}];
    for (const callback of bad) refuses({ ...OK, callback }, TypeError, /^connectComet: options\.callback must be a dotted path starting with parent\. or top\., got /);
    refuses({ onMessage: OK.onMessage }, TypeError, /options\.callback .*, got undefined$/);
    refuses({ onMessage: OK.onMessage, transport: 'auto' }, TypeError, /options\.callback .*, got undefined$/);
    refuses({ ...OK, transport: 'eventsource', callback: 'parent.eval' }, TypeError, /options\.callback .*, got "parent\.eval"$/);
    accepts({ callback: 'top.app.onComet' });
    accepts({ transport: 'eventsource', callback: undefined });
  });

  it('onMessage: a function; onOpen, onGap, onStateChange: a function when given', () => {
    for (const onMessage of [undefined, null, 'x', {}]) refuses({ ...OK, onMessage }, TypeError, /^connectComet: options\.onMessage must be a function, got /);
    for (const name of ['onOpen', 'onGap', 'onStateChange']) {
      for (const value of [null, 'x', 1, {}]) refuses({ ...OK, [name]: value }, TypeError, new RegExp(`^connectComet: options\\.${name} must be a function, got `));
    }
    accepts({ onOpen: () => {}, onGap: undefined, onStateChange: () => {} });
  });

  it('reconnect: an object, and null is not one', () => {
    for (const reconnect of [5, null, 'x', true]) refuses({ ...OK, reconnect }, TypeError, /^connectComet: options\.reconnect must be an object, got /);
    refuses({ ...OK, reconnect: null }, TypeError, /^connectComet: options\.reconnect must be an object, got null$/);
    refuses({ ...OK, reconnect: 5 }, TypeError, /got 5$/);
  });

  it('livenessMs, reconnect.minMs and reconnect.maxMs: a number (TypeError), above 0 and below 2^31 (RangeError)', () => {
    const at = (name: string, value: unknown): Record<string, unknown> =>
      name === 'livenessMs' ? { ...OK, livenessMs: value } : { ...OK, reconnect: { [name.slice(10)]: value, ...(name.endsWith('maxMs') ? { minMs: 0.5 } : { maxMs: 2 ** 31 - 1 }) } };
    for (const name of ['livenessMs', 'reconnect.minMs', 'reconnect.maxMs']) {
      const pattern = name.replace('.', '\\.');
      for (const value of ['5000', null, true, {}, 5n]) {
        refuses(at(name, value), TypeError, new RegExp(`^connectComet: options\\.${pattern} must be a number of ms, got `));
      }
      refuses(at(name, '5000'), TypeError, /got "5000"$/);
      for (const value of [0, -1, -0, NaN, Infinity, -Infinity, 2 ** 31]) {
        refuses(at(name, value), RangeError, new RegExp(`^connectComet: options\\.${pattern} must be above 0 and below 2\\^31, got `));
      }
      for (const value of [1, 0.5, 2 ** 31 - 1]) connectComet('/comet', at(name, value) as unknown as ConnectCometOptions).close();
    }
    refuses({ ...OK, reconnect: { minMs: 500, maxMs: 100 } }, RangeError, /^connectComet: options\.reconnect\.maxMs must be at least reconnect\.minMs, got 100$/);
    refuses({ ...OK, reconnect: { maxMs: 999 } }, RangeError, /reconnect\.maxMs must be at least reconnect\.minMs, got 999$/);
    accepts({ reconnect: { minMs: 100, maxMs: 100 }, livenessMs: 1 });
  });

  it('topics: a non-empty array of names of [A-Za-z0-9_.:/@-]{1,200}, none of open, error, message', () => {
    const message = /^connectComet: options\.topics must be a non-empty array of topic names, got /;
    for (const topics of ['news', 5, null, {}, [], true]) refuses({ ...OK, topics }, TypeError, message);
    refuses({ ...OK, topics: 'news' }, TypeError, /got "news"$/);
    const bad = ['', 'open', 'error', 'message', 'a b', 'a?b', 'a&b', 'é', '$open', 'x'.repeat(201), 5, null, ['a']];
    for (const name of bad) refuses({ ...OK, topics: ['news', name] }, TypeError, message);
    refuses({ ...OK, topics: ['news', 'open'] }, TypeError, /got "open"$/);
    accepts({ topics: ['user:42', 'news', 'a.b/c@d-e_F9', 'x'.repeat(200), 'opens', 'Message'] });
    expect(fake.page.frame().src).to.match(/\?topic=user%3A42&topic=news&topic=a\.b%2Fc%40d-e_F9&topic=x{200}&topic=opens&topic=Message$/);
  });

  it('onError: a function when given', () => {
    for (const onError of [null, 'x', 1, {}]) refuses({ ...OK, onError }, TypeError, /^connectComet: options\.onError must be a function, got /);
    accepts({ onError: () => {} });
  });

  it('share: a boolean', () => {
    for (const share of ['yes', 1, null, {}]) refuses({ ...OK, share }, TypeError, /^connectComet: options\.share must be a boolean, got /);
    refuses({ ...OK, share: 'yes' }, TypeError, /got "yes"$/);
    accepts({ share: false });
  });
});
