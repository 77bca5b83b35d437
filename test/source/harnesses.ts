/**
 * Real sources behind each adapter, driven by a script of values, an end or an error. Push sources
 * act on the script at once; pulled sources take from it only as the adapter asks.
 */
import { EventEmitter, getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import _ from 'highland';
import { Observable, Subject } from 'rxjs';
import ZenObservable from 'zen-observable';
import {
  fromEventEmitter,
  fromHighland,
  fromObservable,
  fromPublisher,
  fromReadable,
  toSource,
  type Publisher,
  type SourceIterator,
  type Subscriber,
} from '../../src/source/index.js';

/** A source and its adapter, as the conformance suite sees them. */
export interface Harness {
  it: SourceIterator<unknown>;
  /** The source object itself, kept alive by the GC test. */
  source: object;
  emit(...values: string[]): void;
  end(): void;
  fail(error: Error): void;
  /** Listeners, subscriptions or open streams the adapter is still responsible for. */
  attached(): number;
  /** Turns what the iterator yielded back into the emitted values (one-character strings). */
  decode(items: unknown[]): string[];
}
export type Factory = (options: { signal?: AbortSignal }) => Harness;

type Item = { value: string } | { end: true } | { error: Error };
const identity = (items: unknown[]): string[] => items as string[];

function emitterHarness(options: { signal?: AbortSignal }): Harness {
  const ee = new EventEmitter();
  const it = fromEventEmitter(ee, 'data', options);
  return {
    it,
    source: ee,
    emit: (...vs) => vs.forEach((v) => ee.emit('data', v)),
    end: () => ee.emit('end'),
    fail: (e) => ee.emit('error', e),
    attached: () => ee.listenerCount('data') + ee.listenerCount('end') + ee.listenerCount('error'),
    decode: identity,
  };
}

function eventTargetHarness(options: { signal?: AbortSignal }): Harness {
  const target = new EventTarget();
  const it = fromEventEmitter(target, 'data', options);
  return {
    it,
    source: target,
    emit: (...vs) => vs.forEach((v) => target.dispatchEvent(new CustomEvent('data', { detail: v }))),
    end: () => target.dispatchEvent(new Event('end')),
    fail: (e) => target.dispatchEvent(Object.assign(new Event('error'), { error: e })),
    attached: () => ['data', 'end', 'error'].reduce((n, t) => n + getEventListeners(target, t).length, 0),
    decode: (items) => items.map((ev) => (ev as CustomEvent<string>).detail),
  };
}

/** A Readable that takes from the script on `_read`; an error is raised once its buffer is empty. */
function scriptedReadable(objectMode: boolean): { stream: Readable; script: Item[]; pump: () => void } {
  const script: Item[] = [];
  let wanted = false;
  const stream = new Readable({
    objectMode,
    highWaterMark: objectMode ? 4 : 8,
    read() {
      wanted = true;
      pump();
    },
  });
  const pump = (): void => {
    while (wanted && script.length > 0) {
      const item = script[0] as Item;
      if ('error' in item && stream.readableLength > 0) {
        // like a real source, fail only once the values before the error have been read
        if (!stream.destroyed) setImmediate(pump);
        return;
      }
      script.shift();
      if ('end' in item) stream.push(null);
      else if ('error' in item) stream.destroy(item.error);
      else wanted = stream.push(objectMode ? item.value : Buffer.from(item.value));
    }
  };
  return { stream, script, pump };
}

function readableHarness(objectMode: boolean) {
  return (options: { signal?: AbortSignal }): Harness => {
    const { stream, script, pump } = scriptedReadable(objectMode);
    const it = fromReadable(stream, options);
    const add = (item: Item): void => {
      script.push(item);
      pump();
    };
    return {
      it,
      source: stream,
      emit: (...vs) => vs.forEach((value) => add({ value })),
      end: () => add({ end: true }),
      fail: (error) => add({ error }),
      attached: () =>
        ['readable', 'end', 'error', 'close', 'data'].reduce((n, e) => n + stream.listenerCount(e), 0) +
        (stream.destroyed ? 0 : 1),
      decode: objectMode ? identity : (items) => [...Buffer.concat(items as Buffer[]).toString()],
    };
  };
}

function highlandHarness(options: { signal?: AbortSignal }): Harness {
  const script: Item[] = [];
  let waiting: { push: (err: unknown, x?: unknown) => void; next: () => void } | null = null;
  const serve = (push: (err: unknown, x?: unknown) => void, next: () => void): void => {
    const item = script.shift() as Item;
    if ('end' in item) return push(null, _.nil);
    if ('error' in item) push(item.error);
    else push(null, item.value);
    next();
  };
  const stream = _<string>((push, next) => {
    if (script.length > 0) serve(push as never, next);
    else waiting = { push: push as never, next };
  });
  const ended = (): boolean => (stream as unknown as { ended: boolean }).ended;
  const it = fromHighland(stream as never, options);
  const add = (item: Item): void => {
    if (ended()) return; // a destroyed stream's generator produces nothing more
    script.push(item);
    if (waiting !== null) {
      const w = waiting;
      waiting = null;
      serve(w.push, w.next);
    }
  };
  return {
    it,
    source: stream,
    emit: (...vs) => vs.forEach((value) => add({ value })),
    end: () => add({ end: true }),
    fail: (error) => add({ error }),
    attached: () => (ended() ? 0 : 1),
    decode: identity,
  };
}

function subjectHarness(options: { signal?: AbortSignal }): Harness {
  const subject = new Subject<string>();
  const it = fromObservable(subject, options);
  return {
    it,
    source: subject,
    emit: (...vs) => vs.forEach((v) => subject.next(v)),
    end: () => subject.complete(),
    fail: (e) => subject.error(e),
    attached: () => (subject.observed ? 1 : 0),
    decode: identity,
  };
}

/** A cold Observable (RxJS or zen-observable) whose subscriber function counts live subscriptions. */
function coldHarness(kind: 'rxjs' | 'zen') {
  return (options: { signal?: AbortSignal }): Harness => {
    let observer: { next(v: string): void; error(e: unknown): void; complete(): void } | null = null;
    let live = 0;
    const subscribe = (o: typeof observer) => {
      observer = o;
      live++;
      return () => {
        live--;
        observer = null;
      };
    };
    const source = kind === 'rxjs' ? new Observable<string>(subscribe) : new ZenObservable<string>(subscribe as never);
    const it = fromObservable(source as never, options);
    return {
      it,
      source,
      emit: (...vs) => vs.forEach((v) => observer?.next(v)),
      end: () => observer?.complete(),
      fail: (e) => observer?.error(e),
      attached: () => live,
      decode: identity,
    };
  };
}

/** A hand-written Reactive Streams Publisher that sends from its script within the demand. */
export class ScriptPublisher implements Publisher<string> {
  script: Item[] = [];
  subscriber: Subscriber<string> | null = null;
  demand = 0;
  requests: number[] = [];
  cancels = 0;

  subscribe(subscriber: Subscriber<string>): void {
    this.subscriber = subscriber;
    subscriber.onSubscribe({
      request: (n) => {
        this.requests.push(n);
        this.demand += n;
        this.flush();
      },
      cancel: () => {
        this.cancels++;
        this.subscriber = null;
      },
    });
  }

  add(item: Item): void {
    this.script.push(item);
    this.flush();
  }

  flush(): void {
    while (this.subscriber !== null && this.script.length > 0) {
      const item = this.script[0] as Item;
      if ('value' in item && this.demand === 0) return;
      this.script.shift();
      const s = this.subscriber;
      if ('end' in item || 'error' in item) this.subscriber = null;
      if ('end' in item) s.onComplete();
      else if ('error' in item) s.onError(item.error);
      else {
        this.demand--;
        s.onNext(item.value);
      }
    }
  }
}

function publisherHarness(options: { signal?: AbortSignal }): Harness {
  const publisher = new ScriptPublisher();
  const it = fromPublisher(publisher, options);
  return {
    it,
    source: publisher,
    emit: (...vs) => vs.forEach((value) => publisher.add({ value })),
    end: () => publisher.add({ end: true }),
    fail: (error) => publisher.add({ error }),
    attached: () => (publisher.subscriber === null ? 0 : 1),
    decode: identity,
  };
}

/** toSource over a hand-written AsyncIterator that answers from its script. */
function asyncIterableHarness(): Harness {
  const script: Item[] = [];
  const waiting: ((item: Item) => void)[] = [];
  let open = 1;
  const answer = (item: Item): Promise<IteratorResult<string>> => {
    if ('end' in item) open = 0;
    if ('error' in item) {
      open = 0;
      return Promise.reject(item.error);
    }
    return Promise.resolve('end' in item ? { value: undefined, done: true } : { value: item.value, done: false });
  };
  const iterable = {
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<string>> =>
        script.length > 0 ? answer(script.shift() as Item) : new Promise((r) => waiting.push((item) => r(answer(item)))),
      return: (): Promise<IteratorResult<string>> => {
        open = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    }),
  };
  const it = toSource<string>(iterable);
  const add = (item: Item): void => {
    const w = waiting.shift();
    if (w) w(item);
    else script.push(item);
  };
  return {
    it,
    source: iterable,
    emit: (...vs) => vs.forEach((value) => add({ value })),
    end: () => add({ end: true }),
    fail: (error) => add({ error }),
    attached: () => open,
    decode: identity,
  };
}

/** Every adapter with a real source; `signal` is unsupported only by toSource (it takes no options). */
export const HARNESSES: [name: string, factory: Factory, takesSignal: boolean][] = [
  ['fromEventEmitter(EventEmitter)', emitterHarness, true],
  ['fromEventEmitter(EventTarget)', eventTargetHarness, true],
  ['fromReadable(object mode)', readableHarness(true), true],
  ['fromReadable(bytes)', readableHarness(false), true],
  ['fromHighland(highland stream)', highlandHarness, true],
  ['fromObservable(rxjs Subject)', subjectHarness, true],
  ['fromObservable(rxjs cold Observable)', coldHarness('rxjs'), true],
  ['fromObservable(zen-observable)', coldHarness('zen'), true],
  ['fromPublisher(hand-written Publisher)', publisherHarness, true],
  ['toSource(AsyncIterable)', asyncIterableHarness, false],
];
