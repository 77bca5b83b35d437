/**
 * `log`: a pass-through operator that writes what flows through an AsyncIterable to
 * `util.debuglog('comet-bridge')`, shown when `NODE_DEBUG=comet-bridge` is set.
 */
import { debuglog, inspect } from 'node:util';
import { checkFunction, checkOptions, describe } from '../util/args.js';
import { tap, type TapOperator } from './tap.js';

const debug = debuglog('comet-bridge');

/** Options of {@link log}. */
export interface LogOptions {
  /**
   * Where each line goes. Default: `util.debuglog('comet-bridge')`, which prints to stderr as
   * `COMET-BRIDGE <pid>: <line>` when `NODE_DEBUG` names `comet-bridge`, and is silent otherwise.
   */
  write?: (line: string) => void;
}

/** How elements are shown: one line, long strings (such as the 5 KiB initial chunk) shortened. */
function show(value: unknown): string {
  return inspect(value, { breakLength: Infinity, maxStringLength: 120, maxArrayLength: 16, depth: 4 });
}

function plural(count: number): string {
  return `${count} ${count === 1 ? 'element' : 'elements'}`;
}

/**
 * A pass-through operator that logs each element, the end, any error and an early stop, one line
 * each, prefixed with `label`:
 * ```
 * COMET-BRIDGE 4242: clock #0 '12:00:00'
 * COMET-BRIDGE 4242: clock #1 '12:00:01'
 * COMET-BRIDGE 4242: clock cancelled after 2 elements
 * ```
 * The other endings read `clock ended after N elements` and `clock failed after N elements: <error>`.
 * When `NODE_DEBUG` does not name `comet-bridge` (and no `write` is given) nothing is formatted,
 * so leaving `log()` in place costs one function call per element. `return()` on the output
 * reaches the source at once, even before the first `next()`. A `write` that throws on an element or the end fails the stream,
 * as a throwing {@link tap} callback does.
 *
 * The element type is taken from the source the operator is applied to (`log('ticks')(ticks)` keeps
 * `ticks`' type); `log<T>()` bounds it.
 *
 * @param label - the line prefix, default `'stream'`
 * @param options - `write`: a different sink for the lines (a logger, or a test)
 * @throws TypeError for a non-string label, a non-function `write`, or an option of another name
 * @example
 * ```ts
 * // NODE_DEBUG=comet-bridge node server.js
 * sendComet(res, Comet.string('parent.tick')(log('clock')(ticks)));
 * ```
 */
export function log<T = unknown>(label = 'stream', options?: LogOptions): <U extends T>(source: AsyncIterable<U>) => AsyncIterableIterator<U> {
  if (typeof label !== 'string') throw new TypeError(`log: label must be a string, got ${describe(label)}`);
  const given = checkOptions(options, 'log', ['write']).write;
  checkFunction(given, 'log', 'options.write');
  const write = given ?? debug;
  const enabled = (): boolean => given !== undefined || debug.enabled;
  // a pass-through: what goes in comes out, so the one operator serves every element type
  return tap<T>({
    next(value, index) {
      if (enabled()) write(`${label} #${index} ${show(value)}`);
    },
    end(count) {
      if (enabled()) write(`${label} ended after ${plural(count)}`);
    },
    error(error, count) {
      if (enabled()) write(`${label} failed after ${plural(count)}: ${error instanceof Error ? (error.stack ?? String(error)) : show(error)}`);
    },
    cancel(count) {
      if (enabled()) write(`${label} cancelled after ${plural(count)}`);
    },
  }) as <U extends T>(source: AsyncIterable<U>) => AsyncIterableIterator<U>;
}
