/** Two real sources for the early-stop tests: an emitter adapter and a hub subscription, each reporting pulls and release. */
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { createHub } from '../../src/hub/index.js';
import { fromEventEmitter } from '../../src/source/index.js';

/** A source whose pulls are counted and whose teardown can be checked. */
export interface WatchedSource {
  readonly chunks: AsyncIterable<string>;
  /** How many times next() was called. */
  pulled(): number;
  /** How many times return() was called. */
  returned(): number;
  /** What is still held: listeners on the emitter, or subscribers of the hub. */
  held(): number;
}

/** `fromEventEmitter(emitter, 'tick')`: holds one listener until it ends. */
export function emitterSource(): WatchedSource {
  const emitter = new EventEmitter();
  const iterator = fromEventEmitter<string>(emitter, 'tick');
  const next = sinon.spy(iterator, 'next');
  const ret = sinon.spy(iterator, 'return');
  return { chunks: iterator, pulled: () => next.callCount, returned: () => ret.callCount, held: () => emitter.listenerCount('tick') };
}

/** A `createHub()` subscription under a dropping policy (never cut off by itself): counted in the hub's stats until it ends. */
export function hubSource(): WatchedSource {
  const hub = createHub<string>({ policy: 'drop-oldest' });
  const subscription = hub.subscribe();
  const next = sinon.spy(subscription, 'next');
  const ret = sinon.spy(subscription, 'return');
  return { chunks: subscription, pulled: () => next.callCount, returned: () => ret.callCount, held: () => hub.stats().subscribers };
}

/** Both kinds, by name. */
export const SOURCES = { fromEventEmitter: emitterSource, 'createHub subscription': hubSource } as const;
