/**
 * A page made of plain objects, just enough for `connectComet` to run in Node: `window` (the global
 * object itself), `document` with a body that records the iframes appended, `location`, and the page's
 * event listeners. The tests play the server by calling the callback the client defines.
 */

/** One iframe the client made. */
export interface FakeFrame {
  hidden: boolean;
  src: string;
  onload: (() => void) | null;
  removed: boolean;
  contentDocument: { currentScript: null };
  remove(): void;
}

/** The fake page; `uninstall()` puts the globals back. */
export interface FakePage {
  frames: FakeFrame[];
  listeners: Map<string, Set<() => void>>;
  /** The last iframe the client made. */
  frame(): FakeFrame;
  /** Fires a page event (`load`, `pagehide`). */
  fire(type: string): void;
  setReadyState(state: string): void;
  uninstall(): void;
}

const NAMES = ['window', 'top', 'document', 'location', 'addEventListener', 'removeEventListener'] as const;

/** Installs the fake page's globals. */
export function installFakePage(href = 'http://127.0.0.1:8080/page'): FakePage {
  const g = globalThis as Record<string, unknown>;
  const saved = NAMES.map((n) => Object.getOwnPropertyDescriptor(g, n));
  const frames: FakeFrame[] = [];
  const listeners = new Map<string, Set<() => void>>();
  let readyState = 'complete';
  const define = (name: string, value: unknown): void => {
    Object.defineProperty(g, name, { value, configurable: true, writable: true });
  };
  define('window', globalThis);
  define('top', globalThis);
  define('location', { href });
  define('document', {
    get readyState() {
      return readyState;
    },
    createElement(tag: string) {
      if (tag !== 'iframe') throw new Error(`unexpected element ${tag}`);
      const frame: FakeFrame = {
        hidden: false,
        src: '',
        onload: null,
        removed: false,
        contentDocument: { currentScript: null },
        remove() {
          this.removed = true;
        },
      };
      return frame;
    },
    body: { appendChild: (frame: FakeFrame) => frames.push(frame) },
  });
  define('addEventListener', (type: string, fn: () => void) => {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type)!.add(fn);
  });
  define('removeEventListener', (type: string, fn: () => void) => listeners.get(type)?.delete(fn));
  return {
    frames,
    listeners,
    frame: () => {
      const last = frames[frames.length - 1];
      if (!last) throw new Error('no iframe was made');
      return last;
    },
    fire: (type) => [...(listeners.get(type) ?? [])].forEach((fn) => fn()),
    setReadyState: (state) => (readyState = state),
    uninstall() {
      NAMES.forEach((n, i) => {
        const d = saved[i];
        if (d) Object.defineProperty(g, n, d);
        else delete g[n];
      });
      delete g.cometMessage;
    },
  };
}
