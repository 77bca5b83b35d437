/**
 * The `Comet.apply` shim: Play's `Comet(callback)` enumeratee, on top of the modern encoder.
 */
import { Comet, type CometOptions } from '../comet/index.js';
import { CometEncodeError } from '../errors.js';
import { warnOnce } from './deprecation.js';
import { EMPTY, el } from './input.js';
import { applyK, done, flatten, type Iteratee } from './iteratee.js';
import { makeEnumeratee, stepwise, type Enumeratee } from './enumeratee.js';

/**
 * Options of `LegacyComet.apply`: the modern encoder's options plus the message kind.
 * @deprecated Use `Comet.string(callback, options)` / `Comet.json(callback, options)`.
 */
export interface LegacyCometOptions extends CometOptions {
  /**
   * How a message becomes the callback's argument (Play's `CometMessage`): `'string'` (default,
   * as `Comet.string`), `'json'` (as `Comet.json`), or a function returning a JavaScript expression
   * (as `Comet.flow`: refused when it holds `</script`, `<script` or `<!--`).
   */
  message?: 'string' | 'json' | ((value: never) => string);
}

/** `LegacyComet.apply` without the warning. */
export function cometEnumeratee<E = string>(callback: string, options: LegacyCometOptions = {}): Enumeratee<E, string> {
  if (options === null || typeof options !== 'object') throw new TypeError('LegacyComet.apply: options must be an object');
  const { message = 'string', ...cometOptions } = options;
  let toMessage: ((value: E) => string) | undefined;
  let kind: 'string' | 'json' | 'flow';
  if (typeof message === 'function') {
    kind = 'flow';
    toMessage = message as (value: E) => string;
  } else if (message === 'string' || message === 'json') {
    kind = message;
  } else {
    throw new TypeError(`LegacyComet.apply: options.message must be 'string', 'json' or a function, got ${JSON.stringify(message)}`);
  }
  const encoder = Comet.encoder<unknown>(kind, callback, cometOptions);

  const encodeOne = (value: E, index: number): string => {
    if (toMessage === undefined) return encoder.encode(value, index);
    let expression: string;
    try {
      expression = toMessage(value);
    } catch (cause) {
      throw new CometEncodeError(`message ${index} could not be turned into a JavaScript expression: ${(cause as Error)?.message ?? String(cause)}`, index, { cause });
    }
    return encoder.encode(expression, index);
  };

  const scripts = stepwise<E, string>((value, position) => {
    try {
      return { out: [encodeOne(value, position)], stop: false };
    } catch (error) {
      if (encoder.onInvalid === 'skip' && error instanceof CometEncodeError) return { out: [], stop: false };
      throw error;
    }
  });

  const initial = encoder.initialChunk;
  return makeEnumeratee<E, string>(<A>(inner: Iteratee<string, A>): Iteratee<E, Iteratee<string, A>> => {
    if (initial === null) return scripts.applyOn(inner);
    return flatten(
      inner.step().then((s) =>
        s.kind === 'cont' ? scripts.applyOn(applyK(s.k, el(initial))) : done<E, Iteratee<string, A>>(inner, EMPTY),
      ),
    );
  });
}

/**
 * Play's `Comet` object, for code written against the Enumerator API.
 * @deprecated Use `Comet.string()` / `Comet.json()` on an AsyncIterable; see migration-guide.md.
 */
export const LegacyComet: {
  /**
   * Play's `Comet(callback)` / `Comet.apply(callback)`: an enumeratee emitting the initial chunk
   * (`options.initialChunk`, default `Comet.initialHtmlChunk`, `null` for none), then one
   * `<script>` chunk per element, byte for byte what `Comet.string` (default) or `Comet.json`
   * (`message: 'json'`) emit for the same messages. The callback is validated now, as `Comet.string`
   * does (TypeError quoting it). A message that cannot be encoded fails the stream with a
   * `CometEncodeError`, or is dropped with `onInvalid: 'skip'`. Warns once (`COMETBRIDGE_DEP0006`).
   * @example `enumerator.through(LegacyComet.apply('parent.cometMessage'))`
   * @deprecated Use `Comet.string(callback, options)` or `Comet.json(callback, options)`.
   */
  apply<E = string>(callback: string, options?: LegacyCometOptions): Enumeratee<E, string>;
} = Object.freeze({
  apply<E = string>(callback: string, options?: LegacyCometOptions): Enumeratee<E, string> {
    warnOnce('cometApply');
    return cometEnumeratee<E>(callback, options);
  },
});
