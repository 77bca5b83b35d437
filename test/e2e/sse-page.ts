/**
 * What the EventSource browser tests do in the page: a raw `EventSource` (no client library) that
 * records every event, the per-test server and tabs ({@link sseFixture}), and a publisher that cuts
 * the streams at random moments ({@link publishWithCuts}).
 */
import { sleep, until, type BrowserSession, type Tab } from './harness/harness.js';
import { startSSEServer, type SSEServer, type SSEServerOptions } from './fixtures/sse-server.js';

/** What the raw EventSource of {@link rawEventSource} has seen. */
export interface RawRecord {
  /** `lastEventId` of each message, in order. */
  ids: string[];
  /** Each message's data: parsed JSON, or the string as it came (`kind: 'string'`). */
  values: unknown[];
  /** The server's `open` events. */
  opens: number;
  /** `error` events, and the readyState after the last one (2: CLOSED). */
  errors: number;
  readyState: number;
}

/** Opens `new EventSource('/comet')` in `tab`, recording into `window.raw`. */
export async function rawEventSource(tab: Tab, kind: 'json' | 'string' = 'json'): Promise<void> {
  await tab.run(`
    var raw = window.raw = { ids: [], values: [], opens: 0, errors: 0, readyState: 0 };
    var es = window.es = new EventSource('/comet');
    es.addEventListener('open', function (e) { if (e.data !== undefined) raw.opens++; });
    es.onmessage = function (e) { raw.ids.push(e.lastEventId); raw.values.push(${kind === 'json' ? 'JSON.parse(e.data)' : 'e.data'}); };
    es.onerror = function () { raw.errors++; raw.readyState = es.readyState; };`);
}

/** Reads the raw EventSource's record (`withValues`: with every value, which may be large). */
export function rawRecord(tab: Tab, withValues = false): Promise<RawRecord> {
  return tab.run<RawRecord>(`return Object.assign({}, window.raw, { readyState: es.readyState${withValues ? '' : ', values: []'} })`);
}

/** One test's server and tabs; `afterEach` closes them. */
export interface SSEFixture {
  serve(options?: SSEServerOptions): Promise<SSEServer>;
  /** Opens the test page of the current server in a new tab. */
  page(): Promise<Tab>;
}

/** Declares the `afterEach` that closes the tabs and the server each test made through the fixture. */
export function sseFixture(session: () => BrowserSession): SSEFixture {
  const made: { tabs: Tab[]; server?: SSEServer } = { tabs: [] };
  afterEach(async () => {
    await Promise.all(made.tabs.splice(0).map((t) => t.close().catch(() => {})));
    await made.server?.close();
    delete made.server;
  });
  return {
    serve: async (options) => (made.server = await startSSEServer(options)),
    async page() {
      if (!made.server) throw new Error('serve() first');
      const tab = await session().open(made.server.url + '/');
      made.tabs.push(tab);
      return tab;
    },
  };
}

/**
 * Publishes `{ n: 1 }` … `{ n: count }` in batches of 10, 10 ms apart, and cuts every stream's socket
 * after `cuts` random batches (none of the first 10 or last 10); returns how many streams were cut.
 */
export async function publishWithCuts(s: SSEServer, count: number, cuts: number): Promise<number> {
  const batches = count / 10;
  const at = new Set<number>();
  while (at.size < cuts) at.add(10 + Math.floor(Math.random() * (batches - 20)));
  let destroyed = 0;
  for (let batch = 0, id = 1; batch < batches; batch++) {
    for (const end = id + 10; id < end; id++) s.publish({ n: id });
    if (at.has(batch)) {
      await until(() => [...s.open].some((res) => !res.writableEnded), 'a stream to cut');
      destroyed += s.destroy();
    }
    await sleep(10);
  }
  return destroyed;
}
