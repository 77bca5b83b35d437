/**
 * `Input`: what an enumerator feeds an iteratee: an element, nothing, or the end of the stream.
 */
import { warnOnce } from '../util/deprecation.js';

/** Marks the inputs made here, so a channel can tell `push(Input)` from `push(value)`. */
export const BRAND: unique symbol = Symbol('comet-bridge.legacy.Input');

/**
 * One element.
 * @deprecated Use plain values: an AsyncIterable yields its elements as they are.
 */
export interface InputEl<E> {
  readonly [BRAND]: true;
  readonly kind: 'el';
  readonly value: E;
}

/**
 * No element: iteratees skip it.
 * @deprecated Use plain values; there is nothing to skip in an AsyncIterable.
 */
export interface InputEmpty {
  readonly [BRAND]: true;
  readonly kind: 'empty';
}

/**
 * The end of the stream.
 * @deprecated The end of an AsyncIterable (`done: true`) is its own signal.
 */
export interface InputEOF {
  readonly [BRAND]: true;
  readonly kind: 'eof';
}

/**
 * What an enumerator feeds an iteratee (Play's `Input[E]`): `el` (an element), `empty`, or `eof`.
 * @deprecated Use plain values in an AsyncIterable; see migration-guide.md.
 */
export type Input<E> = InputEl<E> | InputEmpty | InputEOF;

/** The empty input (internal: does not warn). */
export const EMPTY: InputEmpty = Object.freeze({ [BRAND]: true as const, kind: 'empty' as const });

/** The end-of-stream input (internal: does not warn). */
export const EOF: InputEOF = Object.freeze({ [BRAND]: true as const, kind: 'eof' as const });

/** An element input (internal: does not warn). */
export function el<E>(value: E): InputEl<E> {
  return Object.freeze({ [BRAND]: true as const, kind: 'el' as const, value });
}

/** True for the values made by `Input.el`, `Input.Empty` and `Input.EOF`, and nothing else. */
export function isInput(value: unknown): value is Input<unknown> {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/** `value` as an input: an `Input` stays as it is, anything else becomes `Input.el(value)`. */
export function toInput<E>(value: E | Input<E>): Input<E> {
  return isInput(value) ? (value as Input<E>) : el(value as E);
}

/**
 * The inputs (Play's `Input.El`, `Input.Empty`, `Input.EOF`). The first use warns once
 * (`COMETBRIDGE_DEP0008`).
 * @deprecated Use plain values in an AsyncIterable; its end (`done: true`) replaces `Input.EOF`.
 */
export const Input: {
  /** An element. */
  el<E>(value: E): Input<E>;
  /** No element. */
  readonly Empty: InputEmpty;
  /** The end of the stream. */
  readonly EOF: InputEOF;
} = Object.freeze({
  el<E>(value: E): Input<E> {
    warnOnce('Input');
    return el(value);
  },
  get Empty(): InputEmpty {
    warnOnce('Input');
    return EMPTY;
  },
  get EOF(): InputEOF {
    warnOnce('Input');
    return EOF;
  },
});
