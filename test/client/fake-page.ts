/**
 * A page made of plain objects, just enough for `connectComet` to run in Node: `window` (the global
 * object itself), `document` with a body that records the iframes appended, `location`, `navigator`
 * (without Web Locks unless {@link installFakeShare} gives it some), and the page's event listeners
 * (removed by the `signal` they were added with, too). The tests play the server by calling the
 * callback the client defines.
 */

/** The callback a page's iframe calls: `(MESSAGE, ID)`, `(MESSAGE, ID, "topic")`, `(INFO, 0)`. */
export type CometCall = (value: unknown, id: number, topic?: string) => void;

/** The callback `parent.cometMessage` as the client defined it: the tests call it as the server's scripts would. */
export const cometMessage = (): CometCall => (globalThis as unknown as { cometMessage: CometCall }).cometMessage;

/** The `open` control of a first response of epoch `E1`. */
export const OPEN = { type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false };

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

const NAMES = ['window', 'top', 'document', 'location', 'navigator', 'BroadcastChannel', 'addEventListener', 'removeEventListener'] as const;

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
  define('navigator', {});
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
  define('addEventListener', (type: string, fn: () => void, options?: { signal?: AbortSignal }) => {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type)!.add(fn);
    options?.signal?.addEventListener('abort', () => listeners.get(type)?.delete(fn));
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

/** One `BroadcastChannel` of the fake page: a message reaches every other open channel of its name, a microtask later, as a structured clone. */
export class FakeBroadcastChannel {
  static open = new Set<FakeBroadcastChannel>();
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closed = false;

  constructor(readonly name: string) {
    FakeBroadcastChannel.open.add(this);
  }

  postMessage(data: unknown): void {
    if (this.closed) throw new Error('postMessage on a closed channel');
    const copy = structuredClone(data);
    for (const other of FakeBroadcastChannel.open) {
      if (other !== this && other.name === this.name) void Promise.resolve().then(() => other.closed || other.onmessage?.({ data: copy }));
    }
  }

  close(): void {
    this.closed = true;
    FakeBroadcastChannel.open.delete(this);
  }
}

/** Web Locks of the fake page (exclusive locks, granted in the order asked, a microtask later). */
export class FakeLocks {
  readonly #queues = new Map<string, { grant(): void; waiting: boolean }[]>();
  readonly #held = new Set<string>();

  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const { signal } = options;
      const entry = {
        waiting: true,
        grant: () => {
          entry.waiting = false;
          this.#held.add(name);
          void Promise.resolve()
            .then(callback)
            .then(resolve, reject)
            .finally(() => {
              this.#held.delete(name);
              this.#next(name);
            });
        },
      };
      if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'));
      signal?.addEventListener('abort', () => {
        const queue = this.#queues.get(name) ?? [];
        if (!entry.waiting || !queue.includes(entry)) return;
        queue.splice(queue.indexOf(entry), 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
      if (!this.#queues.has(name)) this.#queues.set(name, []);
      this.#queues.get(name)!.push(entry);
      this.#next(name);
    });
  }

  /** True while `name` is held. */
  held(name: string): boolean {
    return this.#held.has(name);
  }

  #next(name: string): void {
    if (this.#held.has(name)) return;
    this.#queues.get(name)?.shift()?.grant();
  }
}

/** Gives the fake page Web Locks and its BroadcastChannel, so that `share` works; returns the locks. */
export function installFakeShare(): FakeLocks {
  const locks = new FakeLocks();
  FakeBroadcastChannel.open.clear();
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'BroadcastChannel', { value: FakeBroadcastChannel, configurable: true, writable: true });
  return locks;
}
