/**
 * Debugging: pass-through operators that report what flows through an AsyncIterable.
 */
export { tap } from './tap.js';
export type { TapObserver, TapOperator } from './tap.js';
export { log } from './log.js';
export type { LogOptions } from './log.js';
