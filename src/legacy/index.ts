/**
 * The deprecated Play-style API: Input, Iteratee, Enumerator, Enumeratee, Concurrent channels, the
 * `Comet.apply` shim (joined to `Comet` in src/index.ts; `LegacyComet` holds it alone) and the `Streams` bridge to AsyncIterables. Each API warns once
 * per process with its own `COMETBRIDGE_DEP000N` code; migration-guide.md maps each to its
 * replacement.
 */
export { Input, type InputEl, type InputEmpty, type InputEOF } from './input.js';
export { Iteratee, type Step } from './iteratee.js';
export { Enumerator } from './enumerator.js';
export type { Retriever } from './producers.js';
export { Enumeratee } from './enumeratee.js';
export { Concurrent, type Channel, type ChannelOptions } from './concurrent.js';
export { LegacyComet, type LegacyCometOptions } from './comet.js';
export { Streams, type PublisherToEnumeratorOptions } from './streams.js';
