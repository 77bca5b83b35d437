/**
 * The one set of argument checks every layer uses, and a short description of any value for their
 * messages. Every message has one shape: `where: what must be …, got …`.
 * @internal
 */

/** Describes a value in a few words: `null`, `a string`, `the number 42`, `an instance of Foo`, `a plain object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'symbol':
      return `the symbol ${String(value.description ?? '')}`;
    case 'function':
      return value.name ? `the function ${value.name}` : 'an anonymous function';
    default: {
      if (Array.isArray(value)) return 'an array';
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      if (proto === null || proto === Object.prototype) return 'a plain object';
      const name = proto.constructor?.name;
      return name ? `an instance of ${name}` : 'an object';
    }
  }
}

/** True for objects and functions. */
export function isObjectLike(value: unknown): value is Record<PropertyKey, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/**
 * Checks that `options` is undefined or an object, and, when `known` is given, that it names no
 * other option (a misspelt `heartbeatMS` is an error, not a silently ignored key). Keys whose
 * value is `undefined` are accepted whatever their name.
 * @throws TypeError naming `where` and the unknown option
 */
export function checkOptions<O extends object>(options: O | undefined, where: string, known?: readonly string[]): Partial<O> {
  if (options === undefined) return {};
  if (!isObjectLike(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  if (known !== undefined) {
    for (const key of Object.keys(options)) {
      if (!known.includes(key) && (options as Record<string, unknown>)[key] !== undefined) {
        throw new TypeError(
          `${where}: unknown option '${key}' (known options: ${known.map((k) => `'${k}'`).join(', ')})`,
        );
      }
    }
  }
  return options;
}

/**
 * Checks an optional AbortSignal by shape (so signals of other realms and polyfills pass).
 * @param name - how the message names it, e.g. `options.signal`
 * @throws TypeError when it is given and is not an AbortSignal
 */
export function checkSignal(signal: unknown, where: string, name = 'options.signal'): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!isSignal(signal)) throw new TypeError(`${where}: ${name} must be an AbortSignal, got ${describe(signal)}`);
  return signal;
}

/** True for anything shaped like an AbortSignal. */
export function isSignal(value: unknown): value is AbortSignal {
  return (
    isObjectLike(value) &&
    typeof value.aborted === 'boolean' &&
    typeof value.addEventListener === 'function' &&
    typeof value.removeEventListener === 'function'
  );
}

/**
 * The one number check every numeric argument and option goes through: a value that is not a
 * number (a string such as `'1000'` included) is a TypeError, a number that `ok` refuses (`NaN`,
 * a negative, a fraction, too large: whatever the caller's range excludes) a RangeError. Both
 * messages read `where: name must be <must>, got …`.
 * @param must - what the value must be, e.g. `a positive integer or Infinity`
 * @param ok - true for a number in range
 * @throws TypeError for a non-number; RangeError for a number out of range
 */
export function checkNumber(value: unknown, where: string, name: string, must: string, ok: (n: number) => boolean): number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be ${must}, got ${describe(value)}`);
  if (!ok(value)) throw new RangeError(`${where}: ${name} must be ${must}, got ${describeNumber(value)}`);
  return value;
}

const isLimit = (n: number): boolean => n === Infinity || (Number.isSafeInteger(n) && n > 0);
const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const isCountOrInfinity = (n: number): boolean => n === Infinity || isCount(n);

/**
 * Checks a count limit: a positive safe integer or `Infinity`.
 * @param name - how the message names it, e.g. `limit` or `options.buffer.limit`
 * @throws TypeError `where: name must be a positive integer or Infinity, got …` for a non-number;
 *   RangeError (same message) for a number out of range
 */
export function checkLimit(value: unknown, where: string, name: string): number {
  return checkNumber(value, where, name, 'a positive integer or Infinity', isLimit);
}

/**
 * Checks a count that may be zero: a non-negative safe integer (or `Infinity` when `infinite`).
 * @throws TypeError `where: name must be a non-negative integer, got …` for a non-number;
 *   RangeError (same message) for a number out of range
 */
export function checkCount(value: unknown, where: string, name: string, infinite = false): number {
  return infinite
    ? checkNumber(value, where, name, 'a non-negative integer or Infinity', isCountOrInfinity)
    : checkNumber(value, where, name, 'a non-negative integer', isCount);
}

/**
 * Checks an optional callback option.
 * @param name - how the message names it, e.g. `options.write`
 * @throws TypeError `where: name must be a function, got …` when it is given and is not a function
 */
export function checkFunction(fn: unknown, where: string, name: string): void {
  if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`${where}: ${name} must be a function, got ${describe(fn)}`);
}

/** The longest delay a Node timer takes; beyond it Node fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const isMs = (n: number): boolean => Number.isFinite(n) && n > 0;

/**
 * Checks an optional interval in milliseconds: `undefined` or `0` mean none (returned as 0);
 * anything else must be a positive finite number of at most 2147483647 (the longest timer Node keeps).
 * @throws TypeError `where: name must be …, got …` for a non-number; RangeError for a number out of range
 */
export function checkMs(value: unknown, where: string, name: string): number {
  if (value === undefined || value === 0) return 0;
  const ms = checkNumber(value, where, name, 'a positive finite number of milliseconds', isMs);
  if (ms > MAX_TIMER_MS) {
    throw new RangeError(`${where}: ${name} must be at most ${MAX_TIMER_MS} (about 24.8 days), got ${ms}`);
  }
  return ms;
}

/** Numbers as themselves (so `2 ** 60` reads `1152921504606846976`), anything else described. */
function describeNumber(value: unknown): string {
  if (typeof value !== 'number') return describe(value);
  // integers past 2 ** 53 in full (String() would round 2 ** 60 to 1152921504606847000); 1e21 and up stay in e-notation
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? BigInt(value).toString() : String(value);
}
