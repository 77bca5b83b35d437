/**
 * `Iteratee<E, A>`: a consumer fed one `Input` at a time, in one of three steps: Done (with a
 * result), Cont (waiting for input) or Error (with a message).
 */
import { describe } from '../util/args.js';
import { checkFunction } from './args.js';
import { warnOnce } from '../util/deprecation.js';
import { EMPTY, EOF, type Input } from './input.js';

/**
 * The state of an iteratee (Play's `Step`).
 * @deprecated Use a `for await...of` loop; see migration-guide.md.
 */
export type Step<E, A> =
  | { readonly kind: 'done'; readonly value: A; readonly remaining: Input<E> }
  | { readonly kind: 'cont'; readonly k: (input: Input<E>) => Iteratee<E, A> | Promise<Iteratee<E, A>> }
  | { readonly kind: 'error'; readonly message: string; readonly input: Input<E> };

const noop = (): void => {};

/** True while this module builds an iteratee for the library's own use: no warning then. */
let internal = false;

/** Makes an Iteratee without the warning. */
function make<E, A>(step: Step<E, A> | Promise<Step<E, A>>): Iteratee<E, A> {
  internal = true;
  try {
    return new Iteratee<E, A>(step);
  } finally {
    internal = false;
  }
}

/**
 * A consumer of a stream, one `Input` at a time (Play's `Iteratee[E, A]`). Immutable: feeding it
 * gives a new iteratee. The constructor and the static constructors warn once (`COMETBRIDGE_DEP0002`).
 * @deprecated Use a `for await...of` loop over an AsyncIterable; see migration-guide.md.
 */
export class Iteratee<E, A> {
  readonly #step: Promise<Step<E, A>>;

  /**
   * @param step - the step, or a promise of it (a rejected promise is a failed iteratee)
   */
  constructor(step: Step<E, A> | Promise<Step<E, A>>) {
    if (!internal) warnOnce('Iteratee');
    this.#step = Promise.resolve(step);
    this.#step.catch(noop);
  }

  /** The iteratee's step (Play's `unflatten`); rejects when the iteratee failed. */
  step(): Promise<Step<E, A>> {
    return this.#step;
  }

  /** Feeds one input: a Cont iteratee moves on, Done and Error ones stay as they are. */
  async feed(input: Input<E>): Promise<Iteratee<E, A>> {
    const s = await this.#step;
    return s.kind === 'cont' ? applyK(s.k, input) : this;
  }

  /**
   * The result: feeds `EOF` when still in Cont, then resolves with the Done value. Rejects with an
   * `Error` carrying the iteratee's message when it is in Error, or when it stays in Cont after `EOF`.
   */
  run(): Promise<A> {
    return runIteratee(this);
  }

  /** An iteratee with the same steps whose result is `fn(result)`; `fn` may return a Promise. */
  map<B>(fn: (value: A) => B | Promise<B>): Iteratee<E, B> {
    checkFunction(fn, 'Iteratee.map');
    return mapIteratee(this, fn);
  }

  /** An iteratee that is done with `value`, `remaining` being input it did not consume. */
  static done<E, A>(value: A, remaining: Input<E> = EMPTY): Iteratee<E, A> {
    warnOnce('Iteratee');
    return done(value, remaining);
  }

  /** An iteratee waiting for input; `k` gives the next iteratee (or a Promise of it). */
  static cont<E, A>(k: (input: Input<E>) => Iteratee<E, A> | Promise<Iteratee<E, A>>): Iteratee<E, A> {
    warnOnce('Iteratee');
    checkFunction(k, 'Iteratee.cont');
    return cont(k);
  }

  /** An iteratee in error: `run()` rejects with `message`. */
  static error<E, A>(message: string, input: Input<E> = EMPTY): Iteratee<E, A> {
    warnOnce('Iteratee');
    return errorIteratee(message, input);
  }

  /** The iteratee a Promise resolves to (Play's `Iteratee.flatten`). */
  static flatten<E, A>(promise: Promise<Iteratee<E, A>>): Iteratee<E, A> {
    warnOnce('Iteratee');
    return flatten(promise);
  }

  /** Calls `fn` on every element; a Promise it returns is awaited before the next one. */
  static foreach<E>(fn: (value: E) => unknown): Iteratee<E, void> {
    warnOnce('Iteratee');
    checkFunction(fn, 'Iteratee.foreach');
    return foldIteratee<E, void>(undefined, async (_, value) => {
      await fn(value);
    });
  }

  /** Folds the elements into one value; `fn` may return the next state or a Promise (any thenable) of it. */
  static fold<E, S>(initial: S, fn: (state: S, value: E) => S | PromiseLike<S>): Iteratee<E, S> {
    warnOnce('Iteratee');
    checkFunction(fn, 'Iteratee.fold');
    return foldIteratee(initial, fn);
  }

  /**
   * Concatenates the chunks, as Play's `consume` does for any traversable chunk type: strings into
   * one string, byte chunks (`Uint8Array`, `Buffer`) into one Buffer (a string among them counts as
   * its UTF-8 bytes), arrays into one array (`[1, 2]`, `[3]` give `[1, 2, 3]`). An empty stream
   * gives `''`. A chunk of another kind, or an array mixed with strings or bytes, fails the run
   * with a TypeError naming the kinds, when that chunk arrives.
   */
  static consume<E extends Consumable>(): Iteratee<E, Consumed<E>> {
    warnOnce('Iteratee');
    return consumeIteratee<E>();
  }

  /** Collects every element into an array, in order. */
  static getChunks<E>(): Iteratee<E, E[]> {
    warnOnce('Iteratee');
    return chunksIteratee<E>();
  }

  /** The first element (`undefined` for an empty stream); done after it, so the enumerator stops. */
  static head<E>(): Iteratee<E, E | undefined> {
    warnOnce('Iteratee');
    const k = (input: Input<E>): Iteratee<E, E | undefined> => {
      if (input.kind === 'el') return done<E, E | undefined>(input.value, EMPTY);
      if (input.kind === 'eof') return done<E, E | undefined>(undefined, EOF);
      return cont(k);
    };
    return cont(k);
  }

  /** Consumes and drops every element. */
  static ignore<E>(): Iteratee<E, void> {
    warnOnce('Iteratee');
    return foldIteratee<E, void>(undefined, () => undefined);
  }
}

// Internal constructors: the legacy modules use these so that only user calls warn.

/** A Done iteratee. */
export function done<E, A>(value: A, remaining: Input<E> = EMPTY): Iteratee<E, A> {
  return make<E, A>({ kind: 'done', value, remaining });
}

/** A Cont iteratee. */
export function cont<E, A>(k: (input: Input<E>) => Iteratee<E, A> | Promise<Iteratee<E, A>>): Iteratee<E, A> {
  return make<E, A>({ kind: 'cont', k });
}

/** An Error iteratee. */
export function errorIteratee<E, A>(message: string, input: Input<E> = EMPTY): Iteratee<E, A> {
  return make<E, A>({ kind: 'error', message, input });
}

/** The iteratee a Promise resolves to. */
export function flatten<E, A>(promise: Promise<Iteratee<E, A>>): Iteratee<E, A> {
  return make<E, A>(promise.then((value) => asIteratee<E, A>(value).step()));
}

function asIteratee<E, A>(value: unknown): Iteratee<E, A> {
  if (value instanceof Iteratee) return value as Iteratee<E, A>;
  throw new TypeError(`an iteratee continuation must return an Iteratee, got ${value === null ? 'null' : typeof value}`);
}

/** `k(input)` as an iteratee: a thrown error or a rejected Promise becomes a failed iteratee. */
export function applyK<E, A>(k: (input: Input<E>) => Iteratee<E, A> | Promise<Iteratee<E, A>>, input: Input<E>): Iteratee<E, A> {
  try {
    const next = k(input);
    return next instanceof Iteratee ? next : flatten(Promise.resolve(next));
  } catch (error) {
    return make<E, A>(Promise.reject(error));
  }
}

/** Play's `Iteratee.run`: feeds EOF to a Cont iteratee and resolves with its result. */
export async function runIteratee<E, A>(it: Iteratee<E, A>): Promise<A> {
  let s = await it.step();
  if (s.kind === 'cont') {
    s = await applyK(s.k, EOF).step();
    if (s.kind === 'cont') throw new Error('diverging iteratee after Input.EOF');
  }
  if (s.kind === 'error') throw new Error(s.message);
  return s.value;
}

/** An iteratee with the same steps whose result is mapped by `fn`. */
export function mapIteratee<E, A, B>(it: Iteratee<E, A>, fn: (value: A) => B | Promise<B>): Iteratee<E, B> {
  return make<E, B>(
    it.step().then(async (s): Promise<Step<E, B>> => {
      if (s.kind === 'done') return { kind: 'done', value: await fn(s.value), remaining: s.remaining };
      if (s.kind === 'error') return s;
      const k = s.k;
      return { kind: 'cont', k: (input) => mapIteratee(applyK(k, input), fn) };
    }),
  );
}

/** Folds elements into a state; EOF ends it with the state. */
export function foldIteratee<E, S>(initial: S, fn: (state: S, value: E) => S | PromiseLike<S>): Iteratee<E, S> {
  const step = (state: S): Iteratee<E, S> =>
    cont((input: Input<E>) => {
      if (input.kind === 'eof') return done(state, EOF);
      if (input.kind === 'empty') return step(state);
      const next = fn(state, input.value);
      return isThenable(next) ? flatten(Promise.resolve(next).then(step)) : step(next);
    });
  return step(initial);
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<T>).then === 'function';
}

/** The chunk kinds `Iteratee.consume` concatenates. */
export type Consumable = string | Uint8Array | readonly unknown[];

/** What `Iteratee.consume` gives for chunks of type `E`. */
export type Consumed<E> = E extends string ? string : E extends Uint8Array ? Buffer : E extends readonly (infer T)[] ? T[] : never;

type ChunkKind = 'string' | 'byte array' | 'array';

function chunkKind(chunk: unknown): ChunkKind {
  if (typeof chunk === 'string') return 'string';
  if (chunk instanceof Uint8Array) return 'byte array';
  if (Array.isArray(chunk)) return 'array';
  throw new TypeError(`Iteratee.consume: a chunk must be a string, a byte array or an array, got ${describe(chunk)}`);
}

/** Strings and byte arrays concatenate (a string as its UTF-8 bytes); an array only with arrays. */
function joinKinds(a: ChunkKind | null, b: ChunkKind): ChunkKind {
  if (a === null || a === b) return b;
  if (a !== 'array' && b !== 'array') return 'byte array';
  throw new TypeError(`Iteratee.consume: cannot concatenate ${withArticle(a)} chunk with ${withArticle(b)} chunk`);
}

function withArticle(kind: ChunkKind): string {
  return kind === 'array' ? 'an array' : `a ${kind}`;
}

/** `Iteratee.consume` without the warning: the kind is checked as each chunk arrives. */
function consumeIteratee<E extends Consumable>(): Iteratee<E, Consumed<E>> {
  type State = { readonly kind: ChunkKind | null; readonly chunks: Chain<E> };
  const folded = foldIteratee<E, State>({ kind: null, chunks: null }, (state, chunk) => ({
    kind: joinKinds(state.kind, chunkKind(chunk)),
    chunks: { value: chunk, prev: state.chunks },
  }));
  return mapIteratee(folded, ({ kind, chunks }) => {
    const all = toArray(chunks);
    if (kind === 'array') return all.flat(1);
    if (kind === 'byte array') return Buffer.concat(all.map((c) => (typeof c === 'string' ? Buffer.from(c) : (c as Uint8Array))));
    return all.join('');
  }) as Iteratee<E, Consumed<E>>;
}

/** A persistent list, newest first: iteratees stay immutable (one can be run many times). */
type Chain<E> = { readonly value: E; readonly prev: Chain<E> } | null;

/** Collects the elements in order without sharing state between runs of the same iteratee. */
export function chunksIteratee<E>(): Iteratee<E, E[]> {
  return mapIteratee(
    foldIteratee<E, Chain<E>>(null, (prev, value) => ({ value, prev })),
    toArray,
  );
}

/** The values of a chain, oldest first. */
function toArray<E>(chain: Chain<E>): E[] {
  const out: E[] = [];
  for (let c = chain; c !== null; c = c.prev) out.push(c.value);
  return out.reverse();
}
