/**
 * comet-bridge: push sources to AsyncIterable, AsyncIterable to Comet bytes or Server-Sent Events,
 * those to HTTP, and a hub that serves one stream to many clients.
 * @packageDocumentation
 */
import { validateCallback, validateNonce } from './comet/callback.js';
import { Comet as encoders } from './comet/index.js';
import { cometHeaders } from './http/chunk.js';
import { sseHeaders } from './http/send-sse.js';
import { LegacyComet, type CometApply } from './legacy/comet.js';
import { SSE as sseEncoders } from './sse/index.js';

export { CometEncodeError, BufferOverflowError, SSEEncodeError } from './errors.js';
export type { CometKind, CometOptions, CometEncoder, CometOperator } from './comet/index.js';
export type { SSEEncoder, SSEKind, SSEOptions, SSEOperator } from './sse/index.js';
export * from './source/index.js';
export * from './http/index.js';
export * from './hub/index.js';
export * from './legacy/index.js';
export * from './deprecated.js';

/** What the package root adds to the Comet encoders: the checks of a page's names, and the response headers. */
export interface CometExtras {
  /**
   * Checks a callback name as every Comet encoder does: a dotted path of JavaScript identifiers
   * (`parent.cometMessage`), no reserved word.
   * @returns the name
   * @throws TypeError quoting the name
   */
  readonly validateCallback: typeof validateCallback;
  /**
   * Checks a CSP nonce as the encoders' `nonce` option does (base64 characters).
   * @returns the nonce
   * @throws TypeError quoting the nonce
   */
  readonly validateNonce: typeof validateNonce;
  /** The headers every Comet response carries (`Content-Type: text/html; charset=utf-8`, no caching, no buffering). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The Comet encoders, named as in Play's `Comet` helper: `string`, `json`, `flow`, `encoder` and
 * `initialHtmlChunk`; the checks `validateCallback` and `validateNonce`; the response `headers`;
 * and Play's deprecated `apply` (an Enumeratee, for Enumerator code; it warns once,
 * `COMETBRIDGE_DEP0006`). src/comet knows nothing of HTTP or of the legacy layer: they meet here.
 * @namespace
 */
export const Comet: typeof encoders & CometExtras & CometApply = Object.freeze({
  ...encoders,
  validateCallback,
  validateNonce,
  headers: cometHeaders,
  apply: LegacyComet.apply,
});

/**
 * The Server-Sent Events encoders (`json`, `string`, `encoder`, `comment`) and the response
 * `headers` (`Content-Type: text/event-stream; charset=utf-8`, no caching, no buffering).
 * @namespace
 */
export const SSE: typeof sseEncoders & { readonly headers: Readonly<Record<string, string>> } = Object.freeze({
  ...sseEncoders,
  headers: sseHeaders,
});
