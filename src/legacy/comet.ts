/**
 * The `Comet.apply` shim: Play's `Comet(callback)` enumeratee, on top of the modern encoder. The
 * package root joins it to the modern `Comet` object (src/index.ts), as Play 2.5 kept the deprecated
 * `apply` beside `string`, `json` and `flow`.
 */
import { Comet, type CometOptions } from '../comet/index.js';
import { CometEncodeError } from '../errors.js';
import { checkOptions, describe } from '../util/args.js';
import { warnOnce } from '../util/deprecation.js';
import { EMPTY, el } from './input.js';
import { applyK, done, flatten, type Iteratee } from './iteratee.js';
import { makeEnumeratee, stepwise, type Enumeratee } from './enumeratee.js';

/**
 * Options of `Comet.apply`: the modern encoder's options plus the message kind.
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

/** The option names `Comet.apply` takes: the encoder's, and `message`. */
const OPTION_NAMES = ['message', 'initialChunk', 'nonce', 'onInvalid', 'maxMessageBytes', 'maxDepth'] as const;

/** Fails to compile when the encoder gains an option that {@link OPTION_NAMES} does not list. */
type Unlisted = Exclude<keyof LegacyCometOptions, (typeof OPTION_NAMES)[number]>;
const allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void allListed;

/** `Comet.apply` without the warning. */
export function cometEnumeratee<E = string>(callback: string, options?: LegacyCometOptions): Enumeratee<E, string> {
  const { message = 'string', ...cometOptions } = checkOptions(options, 'Comet.apply', OPTION_NAMES);
  let toMessage: ((value: E) => string) | undefined;
  let kind: 'string' | 'json' | 'flow';
  if (typeof message === 'function') {
    kind = 'flow';
    toMessage = message as (value: E) => string;
  } else if (message === 'string' || message === 'json') {
    kind = message;
  } else {
    throw new TypeError(`Comet.apply: options.message must be 'string', 'json' or a function, got ${describe(message)}`);
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
 * The deprecated member of the package's `Comet` object (Play 2.5's `Comet.apply`); `LegacyComet`
 * holds it alone. Only the member is marked deprecated, so editors strike `Comet.apply` through and
 * leave `Comet.string` alone.
 */
export interface CometApply {
  /**
   * Play's `Comet(callback)` / `Comet.apply(callback)`: an enumeratee emitting the initial chunk
   * (`options.initialChunk`, default `Comet.initialHtmlChunk`, `null` for none), then one
   * `<script>` chunk per element, byte for byte what `Comet.string` (default) or `Comet.json`
   * (`message: 'json'`) emit for the same messages. The callback and the options are checked now
   * (TypeError quoting the callback, or naming an unknown option). A message that cannot be encoded
   * fails the stream with a `CometEncodeError`, or is dropped with `onInvalid: 'skip'`. The first
   * use warns (`COMETBRIDGE_DEP0006`).
   * @example `enumerator.through(Comet.apply('parent.cometMessage'))`
   * @deprecated Use `Comet.string(callback, options)` or `Comet.json(callback, options)`.
   */
  apply<E = string>(callback: string, options?: LegacyCometOptions): Enumeratee<E, string>;
}

/**
 * `Comet.apply` on its own, for code that imported it under this name.
 * @namespace
 * @deprecated Use `Comet.string()` / `Comet.json()` on an AsyncIterable; see migration-guide.md.
 */
export const LegacyComet: CometApply = Object.freeze({
  apply<E = string>(callback: string, options?: LegacyCometOptions): Enumeratee<E, string> {
    warnOnce('cometApply');
    return cometEnumeratee<E>(callback, options);
  },
});
