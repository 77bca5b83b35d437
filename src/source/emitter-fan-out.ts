/**
 * One set of listeners per emitter and event, shared by every `fromEventEmitter` iterator on them:
 * 1,000 iterators on one emitter add one listener (no MaxListenersExceededWarning) that hands each
 * value to every iterator's own queue, whose buffer, policy and counters stay its own.
 * @internal
 */
import type { PushController } from './types.js';

type Listener = (...args: any[]) => void;
type Listen = (event: string | symbol, fn: Listener) => void;

/** How to add and remove a listener on one emitter; `target` for an EventTarget. */
export interface ListenerPair {
  add: Listen;
  remove: Listen;
  target: boolean;
}

/** What one set of listeners listens to: iterators that agree on all of it share it. */
export interface FanOutKey {
  name: string | symbol;
  ends: readonly (string | symbol)[];
  errorName: string | symbol | null;
  multiArgs: boolean;
}

/** emitter -> event -> the sets of listeners on it (one per distinct end/error events and multiArgs). */
const registry = new WeakMap<object, Map<string | symbol, EmitterFanOut[]>>();

function sameKey(a: FanOutKey, b: FanOutKey): boolean {
  return (
    a.errorName === b.errorName &&
    a.multiArgs === b.multiArgs &&
    a.ends.length === b.ends.length &&
    a.ends.every((e, i) => e === b.ends[i])
  );
}

/** The listeners of one key on one emitter, and the controllers of the iterators they feed. */
class EmitterFanOut {
  /** Replaced, never changed in place, so a listener looping over it is not disturbed by a leaving iterator. */
  private ctls: PushController<unknown>[] = [];
  private readonly onValue: Listener;
  private readonly onEnd = (): void => {
    for (const ctl of this.ctls) ctl.end();
  };
  private readonly onError: Listener;

  constructor(
    private readonly emitter: object,
    private readonly pair: ListenerPair,
    readonly key: FanOutKey,
  ) {
    this.onValue = key.multiArgs
      ? (...args: unknown[]) => {
          const ctls = this.ctls;
          for (let i = 0; i < ctls.length; i++) (ctls[i] as PushController<unknown>).push(i === 0 ? args : args.slice());
        }
      : (value: unknown) => {
          const ctls = this.ctls;
          if (ctls.length === 1) (ctls[0] as PushController<unknown>).push(value);
          else for (const ctl of ctls) ctl.push(value);
        };
    this.onError = pair.target
      ? (ev: { error?: unknown }) => this.fail(ev !== null && typeof ev === 'object' && ev.error !== undefined ? ev.error : ev)
      : (error: unknown) => this.fail(error);
  }

  add(ctl: PushController<unknown>): void {
    if (this.ctls.length === 0) {
      try {
        this.listen(this.pair.add);
      } catch (error) {
        this.unregister();
        throw error;
      }
    }
    this.ctls = [...this.ctls, ctl];
  }

  /** Takes an iterator off; the last one to leave removes the listeners. */
  remove(ctl: PushController<unknown>): void {
    if (!this.ctls.includes(ctl)) return;
    this.ctls = this.ctls.filter((c) => c !== ctl);
    if (this.ctls.length > 0) return;
    this.unregister();
    this.listen(this.pair.remove);
  }

  private unregister(): void {
    const byEvent = registry.get(this.emitter);
    const list = byEvent?.get(this.key.name);
    if (byEvent === undefined || list === undefined) return;
    list.splice(list.indexOf(this), 1);
    if (list.length === 0) byEvent.delete(this.key.name);
    if (byEvent.size === 0) registry.delete(this.emitter);
  }

  private fail(error: unknown): void {
    for (const ctl of this.ctls) ctl.fail(error);
  }

  private listen(how: Listen): void {
    const { name, ends, errorName } = this.key;
    how(name, this.onValue);
    for (const e of ends) how(e, this.onEnd);
    if (errorName !== null) how(errorName, this.onError);
  }
}

/**
 * Feeds `ctl` from the emitter's listeners for `key`, adding them if no iterator listens to that yet.
 * @returns the teardown: takes `ctl` off, and removes the listeners once no iterator is left
 */
export function shareListeners(emitter: object, pair: ListenerPair, key: FanOutKey, ctl: PushController<unknown>): () => void {
  let byEvent = registry.get(emitter);
  if (byEvent === undefined) registry.set(emitter, (byEvent = new Map()));
  let list = byEvent.get(key.name);
  if (list === undefined) byEvent.set(key.name, (list = []));
  let fan = list.find((f) => sameKey(f.key, key));
  if (fan === undefined) list.push((fan = new EmitterFanOut(emitter, pair, key)));
  const shared = fan;
  shared.add(ctl);
  return () => shared.remove(ctl);
}
