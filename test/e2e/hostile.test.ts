/**
 * Hostile messages through a real Chromium forever iframe: every message arrives, in order, equal to
 * what was sent, nothing the messages hold runs as script, and the stream is delivered while the
 * response is still open.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, readWindowJson } from './fixtures/browser.js';
import { startGatedStreamServer, type GatedStreamServer } from './fixtures/gated-stream-server.js';
import {
  generatedJson,
  generatedStrings,
  hasLoneSurrogate,
  hostileJson,
  hostileStrings,
  protoKeyJson,
} from './fixtures/hostile-messages.js';

/** Shows a message as ASCII JSON (lone surrogates visible as escapes), cut to a readable length. */
const preview = (value: unknown): string => {
  const text = (JSON.stringify(value) ?? String(value)).replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
};

/** What a JSON message is once it has crossed JSON: `-0` becomes `0`, everything else stays. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('hostile messages in headless Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let server: GatedStreamServer;
  let page: Page | undefined;
  let pageErrors: string[];

  before(async () => {
    browser = await launchBrowser();
    server = await startGatedStreamServer();
  });

  after(async () => {
    await server?.close();
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  /**
   * Streams `messages` to a fresh page, proves the first arrives before the response ends, then
   * returns everything the page received, read back exactly.
   */
  async function deliver(kind: 'string' | 'json', messages: readonly unknown[]): Promise<unknown[]> {
    const stream = server.register(kind, messages);
    pageErrors = [];
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The forever iframe holds back the page's load event, so wait for the DOM only.
    await page.goto(stream.pageUrl, { waitUntil: 'domcontentloaded' });

    await page.waitForFunction('window.received.length >= 1', undefined, { timeout: 10_000 });
    expect(await page.evaluate('[window.received.length, window.streamEnded]')).to.deep.equal([1, false]);
    expect(stream.response, 'stream response').to.not.equal(undefined);
    expect(stream.response!.writableEnded, 'response ended before release').to.equal(false);

    stream.release();
    await stream.sent;
    await page.waitForFunction('window.streamEnded === true', undefined, { timeout: 20_000 });
    const received = await readWindowJson<unknown[]>(page, 'received');
    expect(pageErrors, 'page errors').to.deep.equal([]);
    expect(await page.evaluate('[typeof window.pwned, typeof window.frames[0].pwned]')).to.deep.equal([
      'undefined',
      'undefined',
    ]);
    return received;
  }

  /** Compares message by message (deep equality), so a failure shows the first message that differs. */
  function expectSameSequence(received: unknown[], expected: readonly unknown[]): void {
    for (let i = 0; i < Math.min(received.length, expected.length); i++) {
      if (!isDeepStrictEqual(received[i], expected[i])) {
        expect.fail(`message ${i} differs:\n  sent     ${preview(expected[i])}\n  received ${preview(received[i])}`);
      }
    }
    expect(received.length, 'messages received').to.equal(expected.length);
  }

  it('delivers every hand-written hostile string through Comet.string, equal and in order', async () => {
    const received = await deliver('string', hostileStrings);
    expectSameSequence(received, hostileStrings);
    expect(received.filter((m) => typeof m === 'string' && m.length === 102_400)).to.have.length(2);
  });

  it('delivers every hand-written hostile string and JSON value through Comet.json, equal and in order', async () => {
    const messages = [...hostileStrings, ...hostileJson()];
    const received = await deliver('json', messages);
    expectSameSequence(received, messages.map(asJson));
  });

  it('keeps an own "__proto__" key of a JSON message as a key, not as the prototype', async () => {
    const messages = protoKeyJson();
    const received = await deliver('json', messages);
    expectSameSequence(received, messages);
  });

  it('delivers 2,000 generated strings (full Unicode, lone surrogates) through Comet.string', async () => {
    const messages = generatedStrings(2_000);
    expect(messages.filter(hasLoneSurrogate).length, 'samples with lone surrogates').to.be.greaterThan(100);
    const received = await deliver('string', messages);
    expectSameSequence(received, messages);
  });

  it('delivers 2,000 generated JSON values (full Unicode, lone surrogates) through Comet.json', async () => {
    const messages = generatedJson(2_000);
    expect(messages.filter(hasLoneSurrogate).length, 'samples with lone surrogates').to.be.greaterThan(50);
    const received = await deliver('json', messages);
    expectSameSequence(received, messages.map(asJson));
  });
});
