/**
 * The fakes every test of `connectComet` runs on, as one fixture: before each test the fake page, the
 * fake EventSource, fake timers and a stubbed `fetch`; after it the connections the test kept are
 * closed and every fake is removed.
 */
import sinon from 'sinon';
import type { CometConnection } from '../../src/client/index.js';
import { installFakeEventSource } from './fake-event-source.js';
import { installFakePage, type FakePage } from './fake-page.js';

/** The current test's fakes (see {@link fakeBrowser}). */
export interface FakeBrowser {
  readonly page: FakePage;
  readonly clock: sinon.SinonFakeTimers;
  readonly fetch: sinon.SinonStub;
  /** Removes the fake EventSource, for a browser without one (removing it twice is harmless). */
  removeEventSource(): void;
  /** Closes `conn` after the test; returns it. */
  keep<C extends CometConnection>(conn: C): C;
}

/**
 * Declares the `beforeEach` that installs the fakes (page at `href`) and the `afterEach` that closes the
 * kept connections and removes them. Hooks declared after this call run after these ones.
 */
export function fakeBrowser(href = 'http://127.0.0.1:8080/page'): FakeBrowser {
  let page: FakePage | undefined;
  let clock: sinon.SinonFakeTimers | undefined;
  let fetch: sinon.SinonStub | undefined;
  let removeEventSource = (): void => {};
  const kept: CometConnection[] = [];
  beforeEach(() => {
    page = installFakePage(href);
    removeEventSource = installFakeEventSource();
    clock = sinon.useFakeTimers();
    fetch = sinon.stub(globalThis, 'fetch');
  });
  afterEach(() => {
    for (const conn of kept.splice(0)) conn.close();
    clock?.restore();
    removeEventSource();
    page?.uninstall();
    sinon.restore();
  });
  const current = <V>(value: V | undefined): V => {
    if (value === undefined) throw new Error('fakeBrowser: used outside a test');
    return value;
  };
  return {
    get page() {
      return current(page);
    },
    get clock() {
      return current(clock);
    },
    get fetch() {
      return current(fetch);
    },
    removeEventSource: () => removeEventSource(),
    keep(conn) {
      kept.push(conn);
      return conn;
    },
  };
}
