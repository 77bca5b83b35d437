/**
 * An `EventSource` made of plain objects, for `connectComet`'s EventSource transport in Node: the tests
 * play the server by dispatching events on it (`open` of the connection, named events, messages with
 * their `lastEventId`) and by failing it as the browser does (`readyState` CONNECTING or CLOSED).
 */

type Listener = (event: { data?: string; lastEventId?: string }) => void;

/** One EventSource the client made. */
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  /** Every EventSource made since the last {@link installFakeEventSource}. */
  static made: FakeEventSource[] = [];
  readyState = 0;
  onerror: (() => void) | null = null;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {
    FakeEventSource.made.push(this);
  }

  addEventListener(type: string, fn: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn]);
  }

  close(): void {
    this.readyState = 2;
  }

  /** The connection's own `open` (an Event without data), then the server's `event: $open`. */
  open(info: Record<string, unknown> = {}): void {
    this.readyState = 1;
    this.#emit('open', {});
    this.event('$open', { type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false, ...info });
  }

  /** A named event whose data is `data`'s JSON. */
  event(type: string, data: unknown, lastEventId = ''): void {
    this.#emit(type, { data: JSON.stringify(data), lastEventId });
  }

  /** A message: `data` as it is, with the SSE id `E:N`; an unnamed event (`message`), or one named for its topic. */
  message(data: string, id: string, topic = 'message'): void {
    this.#emit(topic, { data, lastEventId: id });
  }

  /** The event types listened to. */
  get types(): string[] {
    return [...this.#listeners.keys()];
  }

  /** The stream broke: the browser reconnects by itself (`closed` false) or gives up (`closed`: an HTTP error or a 204). */
  fail(closed = false): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.();
  }

  #emit(type: string, event: { data?: string; lastEventId?: string }): void {
    if (this.readyState === 2) return;
    for (const fn of this.#listeners.get(type) ?? []) fn(event);
  }
}

/** Defines `globalThis.EventSource` as {@link FakeEventSource}; returns the function that removes it. */
export function installFakeEventSource(): () => void {
  FakeEventSource.made = [];
  Object.defineProperty(globalThis, 'EventSource', { value: FakeEventSource, configurable: true, writable: true });
  return () => void delete (globalThis as Record<string, unknown>).EventSource;
}

/** The last EventSource the client made. */
export function lastSource(): FakeEventSource {
  const last = FakeEventSource.made.at(-1);
  if (!last) throw new Error('no EventSource was made');
  return last;
}
