/**
 * JSON nesting in a real Chromium forever iframe: Comet.json's default maxDepth (500) delivers a
 * value 500 deep intact and refuses 501 at the server, and the limit matters: objects 2,000 deep,
 * sent unchecked through Comet.flow, are lost in the browser (the chunk runs as a script, whose
 * parser overflows its stack; Chromium 156 passes objects 1,500 deep and fails at 2,000, arrays
 * fail between 3,000 and 3,500).
 */
import { expect } from 'chai';
import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { Comet, CometEncodeError, sendComet } from '../../src/index.js';
import { fromArray } from '../support/collect.js';
import { launchBrowser, readWindowJson } from './fixtures/browser.js';
import { listen, type Listening } from '../support/loopback.js';
import { sleep } from '../support/timing.js';

/** A received message in short: its nesting depth and innermost value (chai cannot print 2,000 levels). */
function shape(value: unknown): string {
  let depth = 0;
  while (typeof value === 'object' && value !== null) {
    value = Array.isArray(value) ? value[0] : (value as { a: unknown }).a;
    depth++;
  }
  return `${depth} deep around ${JSON.stringify(value)}`;
}

/** `depth` levels around `inner`, objects `{ a: … }` and arrays `[…]` taking turns. */
function nested(depth: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** `depth` objects `{ a: … }` around `inner`: the nesting a browser's parser gives up on first. */
function nestedObjects(depth: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const PAGE = (stream: string): string => `<!doctype html>
<html><head><meta charset="utf-8"></head><body>
<script>
  window.received = [];
  window.errors = [];
  window.streamEnded = false;
  function onMessage(value) { window.received.push(value); }
</script>
<iframe src="/stream/${stream}" onload="window.streamEnded = true"></iframe>
</body></html>`;

/** The iframe's first chunk: records every script error of the iframe in the page. */
const INITIAL =
  ' '.repeat(5 * 1024) + '<html><body><script>window.onerror = function (m) { parent.errors.push(String(m)); };</script>';

/** Each stream: what it sends, through which operator. */
const streams: Record<string, () => AsyncIterableIterator<string>> = {
  json500: () => Comet.json('parent.onMessage', { initialChunk: INITIAL })(fromArray([nestedObjects(500, 'deep'), nested(500, 'mixed'), 'after'])),
  json501: () => Comet.json('parent.onMessage', { initialChunk: INITIAL })(fromArray(['before', nestedObjects(501, 'deep'), 'after'])),
  flow2000: () =>
    Comet.flow('parent.onMessage', { initialChunk: INITIAL })(fromArray([JSON.stringify(nestedObjects(1500, 'shallower')), JSON.stringify(nestedObjects(2000, 'deep')), '"after"'])),
};

describe('JSON depth in headless Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let server: Listening;
  let page: Page | undefined;
  const outcomes = new Map<string, Promise<unknown>>();

  before(async () => {
    browser = await launchBrowser();
    server = await listen((req, res) => {
      const [, kind, name] = /^\/(page|stream)\/(\w+)$/.exec(req.url ?? '') ?? [];
      const make = name === undefined ? undefined : streams[name];
      if (make === undefined) {
        res.writeHead(404).end();
      } else if (kind === 'page') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE(name!));
      } else {
        outcomes.set(name!, sendComet(res as http.ServerResponse, make()).then(() => 'end', (error: unknown) => error));
      }
    });
  });

  after(async () => {
    await server?.close();
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  /** Loads the page of `name`, waits for its stream to end, returns what the page got and the server's outcome. */
  async function run(name: string): Promise<{ received: unknown[]; errors: string[]; outcome: unknown }> {
    page = await browser.newPage();
    await page.goto(`${server.url}/page/${name}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction('window.received.length >= 1', undefined, { timeout: 20_000 });
    const outcome = await outcomes.get(name);
    if (outcome === 'end') await page.waitForFunction('window.streamEnded === true', undefined, { timeout: 20_000 });
    else await sleep(500); // a destroyed response: let the page run what it got
    return {
      received: await readWindowJson<unknown[]>(page, 'received'),
      errors: (await page.evaluate('window.errors')) as string[],
      outcome,
    };
  }

  it('a value nested 500 deep (the default maxDepth) reaches the page callback intact', async () => {
    const { received, errors, outcome } = await run('json500');
    expect(errors).to.deep.equal([]);
    expect(outcome).to.equal('end');
    expect(received.map(shape)).to.deep.equal(['500 deep around "deep"', '500 deep around "mixed"', shape('after')]);
    expect(JSON.stringify(received[0]), 'intact').to.equal(JSON.stringify(nestedObjects(500, 'deep')));
    expect(JSON.stringify(received[1]), 'intact').to.equal(JSON.stringify(nested(500, 'mixed')));
  });

  it('a value nested 501 deep is refused at the server: a CometEncodeError, the page gets only what came before', async () => {
    const { received, errors, outcome } = await run('json501');
    expect(outcome).to.be.instanceOf(CometEncodeError);
    expect((outcome as CometEncodeError).index).to.equal(1);
    expect(errors).to.deep.equal([]);
    expect(received.map(shape)).to.deep.equal([shape('before')]);
  });

  it('the limit matters: objects 2,000 deep sent unchecked through Comet.flow fails in the browser, the server counts it sent', async () => {
    const { received, errors, outcome } = await run('flow2000');
    expect(outcome, 'the server sent everything').to.equal('end');
    expect(received.map(shape), 'all but the 2,000-deep message arrived').to.deep.equal(['1500 deep around "shallower"', shape('after')]);
    expect(errors.length, 'a script error in the iframe').to.equal(1);
    expect(errors[0]).to.match(/call stack|too much recursion|stack/i);
  });
});
