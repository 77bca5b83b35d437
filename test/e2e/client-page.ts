/** What the browser tests do in the page: connect with `comet-bridge/client` and record what it reports. */
import { waitIn, type BrowserSession, type Tab } from './harness/harness.js';
import { CALLBACK, startWireServer, type WireServer, type WireServerOptions } from './fixtures/wire-server.js';

/** What the page has recorded (see {@link connectIn}). */
export interface Recorded {
  /** Ids given to onMessage, in order, unless the page was told to count only. */
  ids: number[];
  /** How many values did not match their id (each value published is `{ n: id }`). */
  wrong: number;
  count: number;
  /** Most script elements, and most nodes in the body, of the iframe's document seen while messages ran. */
  maxScripts: number;
  maxNodes: number;
  lastId: number;
  gaps: unknown[];
  opens: number;
  states: string[];
  leader: boolean;
  state: string;
}

/**
 * Connects the page in `tab` to `/comet` with `options` (JSON data, merged into the client's options),
 * recording each message into `window.rec`. `countOnly`: count messages instead of keeping their ids.
 */
export async function connectIn(tab: Tab, options: Record<string, unknown> = {}, countOnly = false): Promise<void> {
  await tab.run(`
    var rec = window.rec = { ids: [], wrong: 0, count: 0, gaps: [], opens: 0, states: [], maxScripts: 0, maxNodes: 0 };
    var options = Object.assign(${JSON.stringify({ callback: CALLBACK, ...options })}, {
      onMessage: function (value, id) {
        rec.count++;
        if (!${countOnly}) rec.ids.push(id);
        if (!value || value.n !== id) rec.wrong++;
        var frame = document.querySelector('iframe'), doc = frame && frame.contentDocument;
        if (doc && doc.body) {
          rec.maxScripts = Math.max(rec.maxScripts, doc.getElementsByTagName('script').length);
          rec.maxNodes = Math.max(rec.maxNodes, doc.body.childNodes.length);
        }
      },
      onGap: function (info) { rec.gaps.push(info); },
      onOpen: function () { rec.opens++; },
      onStateChange: function (state) { rec.states.push(state); }
    });
    window.conn = window.comet.connectComet('/comet', options);`);
}

/** Reads the page's record. */
export function recorded(tab: Tab): Promise<Recorded> {
  return tab.run<Recorded>('return Object.assign({}, window.rec, { lastId: conn.lastId, leader: conn.leader, state: conn.state })');
}

/** Waits until the page has been given message `id`. */
export async function waitForId(tab: Tab, id: number, timeoutMs = 20_000): Promise<void> {
  await waitIn(tab, `return window.conn.lastId >= ${id}`, `message ${id}`, timeoutMs);
}

/** 1, 2, …, n. */
export const upTo = (n: number, from = 1): number[] => Array.from({ length: n - from + 1 }, (_, i) => from + i);

/** One test's server and tabs, closed after it (see {@link clientFixture}). */
export interface ClientFixture {
  /** Starts this test's server. */
  serve(options?: WireServerOptions): Promise<WireServer>;
  /** Opens `path` of the server in a new tab. */
  open(path?: string): Promise<Tab>;
  /** Opens the test page, connects it ({@link connectIn}) and waits for the first `open`. */
  connected(options?: Record<string, unknown>, countOnly?: boolean): Promise<Tab>;
}

/** Declares an `afterEach` that closes every tab and the server a test made through the returned fixture. */
export function clientFixture(session: () => BrowserSession): ClientFixture {
  const tabs: Tab[] = [];
  let server: WireServer | undefined;
  afterEach(async () => {
    for (const tab of tabs.splice(0)) await tab.close().catch(() => {});
    await server?.close();
    server = undefined;
  });
  const fixture: ClientFixture = {
    serve: async (options) => (server = await startWireServer(options)),
    async open(path = '/') {
      if (!server) throw new Error('serve() first');
      const tab = await session().open(server.url + path);
      tabs.push(tab);
      return tab;
    },
    async connected(options = {}, countOnly = false) {
      const tab = await fixture.open();
      await connectIn(tab, options, countOnly);
      await waitIn(tab, 'return window.rec.opens === 1', 'the first open');
      return tab;
    },
  };
  return fixture;
}
