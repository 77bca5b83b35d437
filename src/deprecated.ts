/**
 * Names the package root used to export, kept working for one minor version: each warns once,
 * with a stable code, and says what replaced it (migration-guide.md, "Renamed and moved exports").
 */
import { asciiJson as asciiJsonNow, escapeJsString as escapeJsStringNow } from './comet/escape.js';
import { validateCallback as validateCallbackNow, validateNonce as validateNonceNow } from './comet/callback.js';
import { log as logNow, tap as tapNow } from './debug/index.js';
import { cometHeaders as cometHeadersNow } from './http/chunk.js';
import { cometFastify as cometFastifyNow } from './http/fastify.js';
import type { StreamOptions } from './http/options.js';
import { sseHeaders as sseHeadersNow } from './http/send-sse.js';
import { deprecatedAlias, deprecatedObject } from './util/deprecation.js';

/** @deprecated Internal escaping (warns once, `COMETBRIDGE_DEP0010`): `Comet.string()` and `Comet.json()` escape every message. */
export const escapeJsString: (s: string) => string = deprecatedAlias(escapeJsStringNow, 'escapeJsString');
/** @deprecated Internal escaping (warns once, `COMETBRIDGE_DEP0010`): `Comet.json()` escapes every message. */
export const asciiJson: (json: string) => string = deprecatedAlias(asciiJsonNow, 'escapeJsString');
/** @deprecated Use `Comet.validateCallback` (warns once, `COMETBRIDGE_DEP0011`). */
export const validateCallback: typeof validateCallbackNow = deprecatedAlias(validateCallbackNow, 'validators');
/** @deprecated Use `Comet.validateNonce` (warns once, `COMETBRIDGE_DEP0011`). */
export const validateNonce: typeof validateNonceNow = deprecatedAlias(validateNonceNow, 'validators');
/** @deprecated Import `cometFastify` from `comet-bridge/fastify` (warns once, `COMETBRIDGE_DEP0012`). */
export const cometFastify: typeof cometFastifyNow = deprecatedAlias(cometFastifyNow, 'rootFastify');
/** @deprecated Import `tap` from `comet-bridge/debug` (warns once, `COMETBRIDGE_DEP0013`). */
export const tap: typeof tapNow = deprecatedAlias(tapNow, 'rootDebug');
/** @deprecated Import `log` from `comet-bridge/debug` (warns once, `COMETBRIDGE_DEP0013`). */
export const log: typeof logNow = deprecatedAlias(logNow, 'rootDebug');
/** @deprecated Use `Comet.headers` (warns once when read, `COMETBRIDGE_DEP0014`). */
export const cometHeaders: Readonly<Record<string, string>> = deprecatedObject(cometHeadersNow, 'rootHeaders');
/** @deprecated Use `SSE.headers` (warns once when read, `COMETBRIDGE_DEP0014`). */
export const sseHeaders: Readonly<Record<string, string>> = deprecatedObject(sseHeadersNow, 'rootHeaders');
/**
 * @deprecated The keep-alive chunk is the transports' own (a newline, `'\n'`); pass `heartbeat` to
 * choose another. A string cannot warn when read: this one only carries the tag.
 */
export const heartbeatChunk = '\n';

/** @deprecated Renamed `StreamOptions` (the options of every transport, Comet or SSE). */
export type CometStreamOptions = StreamOptions;
