/**
 * comet-bridge: push sources to AsyncIterable, AsyncIterable to Comet bytes, Comet bytes to HTTP.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './comet/index.js';
export * from './source/index.js';
export * from './http/index.js';
export * from './debug/index.js';
export * from './hub/index.js';
export * from './legacy/index.js';
