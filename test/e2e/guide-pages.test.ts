/**
 * The pages of migration-guide.md's last chapter, run as copied in Chromium, Firefox ESR and WebKitGTK:
 * each `html page=…` block is served at `/` under the chapter's `text csp=…` policy (its `'sha256-…'`
 * replaced by the hashes of the page's inline scripts), against `hub.serve` on one hub; three messages
 * published must show in the page, over the transport the page names, with no policy violation. The
 * test adds one inline module after the page's own, which records violations and sets `window.ready`.
 * WebKit's MiniBrowser asks for /favicon.ico, which `default-src 'none'` refuses: that violation is ignored.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { cometHub } from '../../src/index.js';
import { clientModuleSource } from '../client/module-source.js';
import { fences, infoWords } from '../support/markdown.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';
import { sleep, until } from '../support/timing.js';

const guide = readFileSync(resolve(import.meta.dirname, '../../migration-guide.md'), 'utf8');
const chapter = fences(guide.slice(guide.indexOf('\n## From the forever iframe to EventSource')));
const pages = chapter.filter((f) => f.lang === 'html').map((f) => ({ name: infoWords(f.info).get('page')!, html: f.body }));
const policies = new Map(chapter.filter((f) => f.lang === 'text' && infoWords(f.info).has('csp')).map((f) => [infoWords(f.info).get('csp')!, f.body]));

const MARKER = "window.violations = []; document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI)); window.ready = true;";
const hash = (script: string): string => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

/** The page with the marker module, and its policy with the hashes of both inline scripts. */
function served(name: string, html: string, policy: string): { html: string; csp: string } {
  const page = html.replace('</body>', `<script type="module">${MARKER}</script></body>`);
  const inline = [...page.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => hash(m[1]!));
  const csp = /^Content-Security-Policy: (.*)$/.exec(policy)?.[1];
  if (!csp) throw new Error(`no policy for the ${name} page`);
  return { html: page, csp: csp.replace("'sha256-…'", inline.join(' ')) };
}

/** A server of one page under one policy, the client module and `hub.serve`; records the stream requests. */
async function start(page: { html: string; csp: string }) {
  const hub = cometHub<{ text: string }>('parent.cometMessage', { history: 100 });
  const streams: { sse: boolean }[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.csp }).end(page.html);
    if (req.url === '/client.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(clientModuleSource());
    if (!req.url?.startsWith('/comet')) return void res.writeHead(404).end();
    if (req.method === 'GET') streams.push({ sse: /text\/event-stream/.test(req.headers.accept ?? '') });
    void hub.serve(req, res, { heartbeatMs: 500 });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    hub,
    streams,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

describe('the guide’s pages', () => {
  it('are three, iframe, auto and eventsource, with a policy for the iframe and one for EventSource', () => {
    expect(pages.map((p) => p.name)).to.deep.equal(['iframe', 'auto', 'eventsource']);
    expect([...policies.keys()]).to.deep.equal(['iframe', 'eventsource']);
    expect(policies.get('eventsource')).to.not.match(/frame-src/);
  });
});

eachEngine('the guide’s pages', (session) => {
  for (const { name, html } of pages) {
    const policy = name === 'eventsource' ? 'eventsource' : 'iframe';
    it(`the ${name} page, under the ${policy} policy, shows three messages over ${name === 'iframe' ? 'Comet' : 'EventSource'}`, async () => {
      const s = await start(served(name, html, policies.get(policy)!));
      const tab = await session().open(s.url);
      try {
        await until(() => s.streams.length === 1, { what: 'the stream request' });
        for (const text of ['kiki', 'foo', 'bar']) s.hub.publish({ text });
        await waitIn(tab, "return document.getElementById('log').textContent.split('\\n').length === 4", 'three messages');
        expect(await tab.run("return document.getElementById('log').textContent")).to.equal('1: kiki\n2: foo\n3: bar\n');
        expect(s.streams, 'one stream, of the page’s transport').to.deep.equal([{ sse: name !== 'iframe' }]);
        // WebKit's MiniBrowser asks for /favicon.ico, which default-src 'none' refuses
        const violations = (await tab.run<string[]>('return window.violations')).filter((v) => !v.endsWith('/favicon.ico'));
        expect(violations, 'policy violations').to.deep.equal([]);
      } finally {
        await tab.close().catch(() => {});
        await s.close();
      }
    });
  }

  it('the eventsource page under connect-src \'none\' gets nothing: connect-src is the directive that governs it', async () => {
    const { html } = pages.find((p) => p.name === 'eventsource')!;
    const page = served('eventsource', html, policies.get('eventsource')!);
    const s = await start({ ...page, csp: page.csp.replace("connect-src 'self'", "connect-src 'none'") });
    const tab = await session().open(s.url);
    try {
      await waitIn(tab, "return window.violations.some((v) => v.startsWith('connect-src'))", 'a connect-src violation');
      await sleep(300);
      expect(s.streams, 'no stream request').to.deep.equal([]);
    } finally {
      await tab.close().catch(() => {});
      await s.close();
    }
  });
});
