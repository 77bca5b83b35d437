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
  escapeJsString: {
    code: 'COMETBRIDGE_DEP0010',
    api: 'escapeJsString and asciiJson (exports of the package root)',
    replacement: 'Comet.string() or Comet.json(), which escape every message',
  },
  validators: {
    code: 'COMETBRIDGE_DEP0011',
    api: 'validateCallback and validateNonce (exports of the package root)',
    replacement: 'Comet.validateCallback() and Comet.validateNonce()',
  },
  rootFastify: {
    code: 'COMETBRIDGE_DEP0012',
    api: 'cometFastify (an export of the package root)',
    replacement: "cometFastify from 'comet-bridge/fastify'",
  },
  rootDebug: {
    code: 'COMETBRIDGE_DEP0013',
    api: 'tap and log (exports of the package root)',
    replacement: "tap and log from 'comet-bridge/debug'",
  },
  rootHeaders: {
    code: 'COMETBRIDGE_DEP0014',
    api: 'cometHeaders and sseHeaders (exports of the package root)',
    replacement: 'Comet.headers and SSE.headers',
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
 * `fn`, warning once (the code of `api`) when first called: an old name kept working for a while.
 * The wrapper keeps `fn`'s name and length.
 */
export function deprecatedAlias<F extends (...args: never[]) => unknown>(fn: F, api: LegacyApi): F {
  const alias = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    warnOnce(api);
    return fn.apply(this, args) as ReturnType<F>;
  };
  // the function's own properties too (a Fastify plugin's `skip-override` and metadata symbols)
  for (const key of Reflect.ownKeys(fn)) {
    if (key !== 'prototype') Object.defineProperty(alias, key, Object.getOwnPropertyDescriptor(fn, key)!);
  }
  return alias as unknown as F;
}

/**
 * `value` (a frozen object), warning once (the code of `api`) when one of its properties is first
 * read: an old name of a constant kept working for a while.
 */
export function deprecatedObject<O extends object>(value: O, api: LegacyApi): O {
  return new Proxy(value, {
    get(target, key, receiver) {
      warnOnce(api);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/**
 * Forgets which warnings were emitted, so the next use of each API warns again. For tests only:
 * not exported from the package.
 */
export function resetDeprecationWarnings(): void {
  warned.clear();
}
