/**
 * One `DeprecationWarning` per legacy API per process, even when both builds (ES module and
 * CommonJS) are loaded: which codes have warned is kept on `globalThis` under a registered symbol.
 *
 * Each legacy API has a stable code. The first use of an API emits its warning through
 * `process.emitWarning`, so `--no-deprecation`, `--trace-deprecation` and `--disable-warning` work
 * as for Node's own deprecations. Under `--throw-deprecation` the first use throws the warning
 * synchronously, at the call site, instead (Node would throw it on the next tick, out of reach of
 * a `try`/`catch`).
 */

/** A legacy API, the code of its warning, and what replaces it. */
export interface LegacyDeprecation {
  readonly code: string;
  readonly api: string;
  readonly replacement: string;
}

/** Every legacy deprecation, keyed by API. */
export const DEPRECATIONS = Object.freeze({
  Enumerator: {
    code: 'COMETBRIDGE_DEP0001',
    api: 'Enumerator',
    replacement: 'an AsyncIterable (an array, an async generator, or toSource())',
  },
  Iteratee: {
    code: 'COMETBRIDGE_DEP0002',
    api: 'Iteratee',
    replacement: 'a for await...of loop',
  },
  Enumeratee: {
    code: 'COMETBRIDGE_DEP0003',
    api: 'Enumeratee',
    replacement: 'an async generator function (source) => AsyncIterable',
  },
  broadcast: {
    code: 'COMETBRIDGE_DEP0004',
    api: 'Concurrent.broadcast',
    replacement: 'the broadcast hub, or an EventEmitter read with fromEventEmitter()',
  },
  unicast: {
    code: 'COMETBRIDGE_DEP0005',
    api: 'Concurrent.unicast',
    replacement: 'fromEventEmitter() or pushQueue()',
  },
  cometApply: {
    code: 'COMETBRIDGE_DEP0006',
    api: 'Comet.apply (LegacyComet.apply)',
    replacement: 'Comet.string() or Comet.json()',
  },
  Streams: {
    code: 'COMETBRIDGE_DEP0007',
    api: 'Streams',
    replacement: 'toSource(), toPublisher() and fromPublisher()',
  },
  Input: {
    code: 'COMETBRIDGE_DEP0008',
    api: 'Input',
    replacement: 'plain values (the end of an AsyncIterable is its own signal)',
  },
  createHubWire: {
    code: 'COMETBRIDGE_DEP0009',
    api: 'createHub({ ...cometEncoding(callback) })',
    replacement: 'cometHub(callback, options)',
  },
} satisfies Record<string, LegacyDeprecation>);

/** The name of a legacy API in {@link DEPRECATIONS}. */
export type LegacyApi = keyof typeof DEPRECATIONS;

/** The codes that have warned in this process, shared by every copy of the library. */
const warned: Set<string> = ((globalThis as { [key: symbol]: unknown })[Symbol.for('comet-bridge.deprecations.warned')] ??=
  new Set<string>()) as Set<string>;

/** The warning text for one legacy API. */
export function deprecationMessage(api: LegacyApi): string {
  const d: LegacyDeprecation = DEPRECATIONS[api];
  return `${d.api} is deprecated: use ${d.replacement} instead (see migration-guide.md).`;
}

/**
 * Emits the API's `DeprecationWarning` the first time it is called in this process; later calls do
 * nothing. Under `--throw-deprecation` (and not `--no-deprecation`) that first call throws the
 * warning instead: an Error named `DeprecationWarning` with the code. The API is marked as warned
 * first, so it throws only once.
 * @throws Error named `DeprecationWarning` under `--throw-deprecation`, on the first use only
 */
export function warnOnce(api: LegacyApi): void {
  const { code } = DEPRECATIONS[api];
  if (warned.has(code)) return;
  warned.add(code);
  if (process.throwDeprecation && !process.noDeprecation) {
    throw Object.assign(new Error(deprecationMessage(api)), { name: 'DeprecationWarning', code });
  }
  process.emitWarning(deprecationMessage(api), { type: 'DeprecationWarning', code });
}

/**
 * Forgets which warnings were emitted, so the next use of each API warns again. For tests only:
 * not exported from the package.
 */
export function resetDeprecationWarnings(): void {
  warned.clear();
}
