/**
 * comet-bridge: push sources to AsyncIterable, AsyncIterable to Comet bytes, Comet bytes to HTTP.
 * @packageDocumentation
 */
import { Comet as encoders } from './comet/index.js';
import { LegacyComet, type CometApply } from './legacy/comet.js';

export { CometEncodeError, BufferOverflowError, SSEEncodeError } from './errors.js';
export * from './comet/index.js';
export * from './sse/index.js';
export * from './source/index.js';
export * from './http/index.js';
export * from './debug/index.js';
export * from './hub/index.js';
export * from './legacy/index.js';

/**
 * The Comet encoders, named as in Play's `Comet` helper: `string`, `json`, `flow`, `encoder` and
 * `initialHtmlChunk`, and Play's deprecated `apply` (an Enumeratee, for Enumerator code; it warns
 * once, `COMETBRIDGE_DEP0006`). src/comet knows nothing of the legacy layer: the two meet here.
 * @namespace
 */
export const Comet: typeof encoders & CometApply = Object.freeze({ ...encoders, apply: LegacyComet.apply });
