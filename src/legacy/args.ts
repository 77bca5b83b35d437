/**
 * Argument checks of the legacy API: a bad argument is refused with a TypeError at the call that
 * takes it, naming the call and what was given.
 * @internal
 */
import { describe } from '../util/args.js';

/** @throws TypeError when `value` is not a function */
export function checkFunction(value: unknown, where: string): void {
  if (typeof value !== 'function') throw new TypeError(`${where} needs a function, got ${describe(value)}`);
}

/** @throws TypeError when `value` is not an instance of `type` */
export function checkInstance(value: unknown, type: abstract new (...args: never[]) => unknown, where: string): void {
  if (!(value instanceof type)) throw new TypeError(`${where} needs ${article(type.name)} ${type.name}, got ${describe(value)}`);
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? 'an' : 'a';
}
