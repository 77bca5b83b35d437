/**
 * The one table of the codemod: every deprecated API of comet-bridge, the modern name a rewrite puts
 * in its place, and, for what is left for a person, why and which section of migration-guide.md to
 * read. When the library renames a modern export, this file is the only one to change.
 */

/** The package whose deprecated API is migrated, as user code imports it. */
export const PACKAGE = 'comet-bridge';

/** The guide every report points to, relative to the package root. */
export const GUIDE_FILE = 'migration-guide.md';

/** The sections of migration-guide.md the report points to (their GitHub heading anchors). */
export const SECTIONS = {
  codemod: 'run-the-codemod',
  leftForYou: 'what-the-codemod-leaves-for-you',
  table: 'what-replaces-what',
  serve: 'step-1-serve-old-enumerators-as-they-are',
  encoder: 'step-2-replace-the-comet-enumeratee-with-the-encoder',
  producers: 'step-3-replace-the-producers',
  channels: 'step-4-replace-broadcast-channels',
  pipeline: 'step-5-replace-enumeratees-and-iteratees',
  last: 'step-6-drop-the-last-enumerator',
  differences: 'where-the-port-differs-from-play-on-purpose',
} as const;

/** A section of the guide, by its key in {@link SECTIONS}. */
export type Section = keyof typeof SECTIONS;

/** The `guide` field of a report entry: the guide's file and the heading anchor. */
export function guideLink(section: Section): string {
  return `${GUIDE_FILE}#${SECTIONS[section]}`;
}

/**
 * The modern names the rewrites write, each an export of the package root (`Comet.string` is the
 * member `string` of the export `Comet`). Keyed by what they replace.
 */
export const MODERN = {
  /** `Comet.apply(cb)` / `LegacyComet.apply(cb)` over strings. */
  cometString: 'Comet.string',
  /** `Comet.apply(cb, { message: 'json' })`. */
  cometJson: 'Comet.json',
  /** `Enumerator.of`, `enumerate`, `empty` where an AsyncIterable is needed. */
  toSource: 'toSource',
  /** `Enumerator.fromStream`. */
  fromReadable: 'fromReadable',
  /** `Concurrent.broadcast`. */
  createHub: 'createHub',
  /** `Concurrent.unicast`. */
  pushQueue: 'pushQueue',
  /** `Streams.enumeratorToPublisher`. */
  toPublisher: 'toPublisher',
  /** `Streams.publisherToEnumerator`. */
  fromPublisher: 'fromPublisher',
} as const;

/** A key of {@link MODERN}. */
export type Modern = keyof typeof MODERN;

/** The names the package root exports for the deprecated API (values and types). */
export const LEGACY_EXPORTS: ReadonlySet<string> = new Set([
  'Enumerator', 'Enumeratee', 'Iteratee', 'Concurrent', 'Streams', 'LegacyComet', 'Input',
  'Channel', 'ChannelOptions', 'Step', 'Retriever', 'InputEl', 'InputEmpty', 'InputEOF',
  'LegacyCometOptions', 'PublisherToEnumeratorOptions',
]);

/** What the codemod does with one deprecated API. */
export interface ApiEntry {
  /** The rule that rewrites it where it can (see {@link RULES}); absent: always left for a person. */
  readonly rule?: RuleId;
  /** Why a use is left for a person when no more precise reason applies. */
  readonly reason: string;
  /** The section to read to do it by hand. */
  readonly guide: Section;
}

/** The rewrite rules, each one step of the guide. */
export const RULES = {
  'comet-apply': 'X.through(Comet.apply(cb, options)) → Comet.string(cb, options)(X), or Comet.json with message: \'json\'',
  'enumerator-values': 'Enumerator.of(a, b) / enumerate(xs) / empty() → an array, or toSource(...) where an AsyncIterable is needed',
  'enumerator-generator': 'Enumerator.generateM / repeatM / unfoldM / fromCallback(retriever), with onDoneEnumerating → an async generator (cleanup in finally)',
  'enumerator-from-stream': 'Enumerator.fromStream(readable) → fromReadable(readable)',
  'broadcast-hub': 'const [e, channel] = Concurrent.broadcast() → const e = createHub(); channel.push → e.publish, eofAndEnd/end → e.close, uses of e → e.subscribe()',
  'unicast-queue': 'Concurrent.unicast(onStart, onComplete) → pushQueue(start) with onComplete as its teardown; channel.end(err) → ctl.fail(err)',
  'streams-bridge': 'Streams.enumeratorToSource(e) → e; sourceToEnumerator(s) → s; enumeratorToPublisher(e) → toPublisher(e); publisherToEnumerator(p) → fromPublisher(p)',
  'enumeratee-generator': 'X.through(Enumeratee.map/mapM/filter/collect/take/drop(...)), compose, enumerator.map → async generator functions applied to X',
  'iteratee-loop': 'await X.run(Iteratee.getChunks/fold/foreach/consume/head/ignore()) → a for await loop (collect(X) where a Promise is kept)',
} as const;

/** The name of a rewrite rule. */
export type RuleId = keyof typeof RULES;

const USED_AS_ENUMERATOR = 'the enumerator is used where an Enumerator, not an AsyncIterable, is needed';
const NOT_RUN_IN_PLACE = 'the iteratee is not run in place by enumerator.run(...)';
const NOT_APPLIED_IN_PLACE = 'the enumeratee is not applied in place by through() (or kept in a constant used only so)';
const HAND_ITERATEE = 'a hand-made iteratee: its logic becomes the body of a for await loop, written by hand';
const NO_EQUIVALENT_TYPE = 'a deprecated type in a signature: replace it with AsyncIterable<T> (or the modern type) once its callers pass async iterables';

/**
 * Every deprecated API, keyed as the report names it: `Name.member` for a static member,
 * `Name#member` for an instance member, `Name` for the export itself.
 */
export const API: Readonly<Record<string, ApiEntry>> = {
  'Comet.apply': { rule: 'comet-apply', reason: 'Comet.apply is rewritten only as the argument of enumerator.through(...) (or a constant used so) whose result goes where an AsyncIterable is taken', guide: 'encoder' },
  'LegacyComet.apply': { rule: 'comet-apply', reason: 'LegacyComet.apply is rewritten only as the argument of enumerator.through(...) (or a constant used so) whose result goes where an AsyncIterable is taken', guide: 'encoder' },
  'LegacyComet': { reason: 'LegacyComet used other than as LegacyComet.apply(...)', guide: 'encoder' },
  'Enumerator': { reason: NO_EQUIVALENT_TYPE, guide: 'table' },
  'new Enumerator': { reason: 'a hand-made enumerator: write it as an async generator', guide: 'producers' },
  'Enumerator.of': { rule: 'enumerator-values', reason: USED_AS_ENUMERATOR, guide: 'last' },
  'Enumerator.enumerate': { rule: 'enumerator-values', reason: USED_AS_ENUMERATOR, guide: 'last' },
  'Enumerator.empty': { rule: 'enumerator-values', reason: USED_AS_ENUMERATOR, guide: 'last' },
  'Enumerator.generateM': { rule: 'enumerator-generator', reason: USED_AS_ENUMERATOR, guide: 'producers' },
  'Enumerator.repeatM': { rule: 'enumerator-generator', reason: USED_AS_ENUMERATOR, guide: 'producers' },
  'Enumerator.unfoldM': { rule: 'enumerator-generator', reason: USED_AS_ENUMERATOR, guide: 'producers' },
  'Enumerator.fromCallback': { rule: 'enumerator-generator', reason: USED_AS_ENUMERATOR, guide: 'producers' },
  'Enumerator.fromStream': { rule: 'enumerator-from-stream', reason: USED_AS_ENUMERATOR, guide: 'table' },
  'Enumerator#through': { rule: 'enumeratee-generator', reason: 'through() with an enumeratee the codemod cannot turn into a function, or whose result is used as an Enumerator', guide: 'pipeline' },
  'Enumerator#run': { rule: 'iteratee-loop', reason: 'run() with an iteratee that is not one of Iteratee.getChunks/fold/foreach/consume/head/ignore() written in place', guide: 'pipeline' },
  'Enumerator#apply': { reason: 'apply() leaves the iteratee able to take more input (no EOF): there is no loop equivalent to write mechanically', guide: 'pipeline' },
  'Enumerator#map': { rule: 'enumeratee-generator', reason: 'map() whose result is used as an Enumerator', guide: 'pipeline' },
  'Enumerator#andThen': { reason: 'andThen() becomes `yield* a; yield* b` in an async generator, which needs a name and a home in your code', guide: 'table' },
  'Enumerator#interleave': { reason: 'interleave() becomes one pushQueue fed by both sources (or a hub); how a failure of one stops the other is yours to decide', guide: 'table' },
  'Enumerator#onDoneEnumerating': { rule: 'enumerator-generator', reason: 'onDoneEnumerating() becomes try/finally in an async generator; this one is not on a producer the codemod rewrites', guide: 'producers' },
  'Iteratee': { reason: NO_EQUIVALENT_TYPE, guide: 'pipeline' },
  'new Iteratee': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee.getChunks': { rule: 'iteratee-loop', reason: NOT_RUN_IN_PLACE, guide: 'pipeline' },
  'Iteratee.fold': { rule: 'iteratee-loop', reason: NOT_RUN_IN_PLACE, guide: 'pipeline' },
  'Iteratee.foreach': { rule: 'iteratee-loop', reason: NOT_RUN_IN_PLACE, guide: 'pipeline' },
  'Iteratee.consume': { rule: 'iteratee-loop', reason: 'the iteratee is not run in place by enumerator.run(...) over strings', guide: 'pipeline' },
  'Iteratee.head': { rule: 'iteratee-loop', reason: NOT_RUN_IN_PLACE, guide: 'pipeline' },
  'Iteratee.ignore': { rule: 'iteratee-loop', reason: NOT_RUN_IN_PLACE, guide: 'pipeline' },
  'Iteratee.done': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee.cont': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee.error': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee.flatten': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee#run': { reason: 'running an iteratee by hand: the loop that feeds it is yours to write', guide: 'pipeline' },
  'Iteratee#step': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee#feed': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Iteratee#map': { reason: 'a mapped iteratee: apply the function to the loop\'s result by hand', guide: 'pipeline' },
  'Enumeratee': { reason: NO_EQUIVALENT_TYPE, guide: 'pipeline' },
  'new Enumeratee': { reason: 'a hand-made enumeratee: write it as an async generator function (source) => AsyncIterable', guide: 'pipeline' },
  'Enumeratee.map': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.mapM': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.filter': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.collect': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.take': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.drop': { rule: 'enumeratee-generator', reason: NOT_APPLIED_IN_PLACE, guide: 'pipeline' },
  'Enumeratee.grouped': { reason: 'grouped(folder) folds each group with an iteratee: write an async generator that collects each group and yields it', guide: 'table' },
  'Enumeratee#compose': { rule: 'enumeratee-generator', reason: 'compose() of enumeratees the codemod cannot turn into functions', guide: 'pipeline' },
  'Enumeratee#applyOn': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Concurrent': { reason: 'Concurrent used other than through broadcast() or unicast()', guide: 'channels' },
  'Concurrent.broadcast': { rule: 'broadcast-hub', reason: 'only `const [enumerator, channel] = Concurrent.broadcast()` without options, with the channel only pushed to and ended, is rewritten', guide: 'channels' },
  'Concurrent.unicast': { rule: 'unicast-queue', reason: 'only unicast(onStart) / unicast(onStart, onComplete) whose channel stays inside onStart is rewritten', guide: 'channels' },
  'Channel': { reason: NO_EQUIVALENT_TYPE, guide: 'channels' },
  'Channel#push': { rule: 'broadcast-hub', reason: 'a channel the codemod does not rewrite: push into the hub (hub.publish) or the pushQueue controller (ctl.push)', guide: 'channels' },
  'Channel#end': { rule: 'broadcast-hub', reason: 'a channel the codemod does not rewrite: hub.close(), or ctl.end() / ctl.fail(error)', guide: 'channels' },
  'Channel#eofAndEnd': { rule: 'broadcast-hub', reason: 'a channel the codemod does not rewrite: hub.close(), or ctl.end()', guide: 'channels' },
  'ChannelOptions': { reason: NO_EQUIVALENT_TYPE, guide: 'channels' },
  'Streams': { reason: 'Streams used other than through its functions', guide: 'serve' },
  'Streams.enumeratorToSource': { rule: 'streams-bridge', reason: 'enumeratorToSource is rewritten everywhere; this use is inside code the codemod could not rewrite', guide: 'serve' },
  'Streams.sourceToEnumerator': { rule: 'streams-bridge', reason: USED_AS_ENUMERATOR, guide: 'table' },
  'Streams.enumeratorToPublisher': { rule: 'streams-bridge', reason: 'enumeratorToPublisher is rewritten everywhere; this use is inside code the codemod could not rewrite', guide: 'table' },
  'Streams.publisherToEnumerator': { rule: 'streams-bridge', reason: USED_AS_ENUMERATOR, guide: 'table' },
  'Streams.iterateeToSubscriber': { reason: 'the iteratee becomes a for await loop over fromPublisher(publisher), around the place where the subscriber was handed to the publisher', guide: 'table' },
  'PublisherToEnumeratorOptions': { reason: NO_EQUIVALENT_TYPE, guide: 'table' },
  'Input': { reason: 'Input values have no modern form: plain values, and the end of the iteration is the EOF', guide: 'table' },
  'Input.el': { reason: 'Input.el(x) is the plain value x once the code around it is a loop', guide: 'table' },
  'Input.Empty': { reason: 'Input.Empty has no modern form: nothing is sent', guide: 'table' },
  'Input.EOF': { reason: 'Input.EOF is the end of the iteration (return from the generator, ctl.end(), hub.close())', guide: 'table' },
  'InputEl': { reason: NO_EQUIVALENT_TYPE, guide: 'table' },
  'InputEmpty': { reason: NO_EQUIVALENT_TYPE, guide: 'table' },
  'InputEOF': { reason: NO_EQUIVALENT_TYPE, guide: 'table' },
  'Step': { reason: HAND_ITERATEE, guide: 'pipeline' },
  'Retriever': { reason: NO_EQUIVALENT_TYPE, guide: 'producers' },
  'LegacyCometOptions': { reason: 'options of Comet.apply: the encoder options go to Comet.string / Comet.json, message: \'json\' picks Comet.json', guide: 'encoder' },
};

/** The entry for an API name; an unknown member of a deprecated export falls back to the export's entry. */
export function apiEntry(api: string): ApiEntry {
  const exact = API[api];
  if (exact !== undefined) return exact;
  const owner = api.replace(/^new /, '').split(/[.#]/)[0]!;
  return API[owner] ?? { reason: 'a deprecated API with no mechanical rewrite', guide: 'table' };
}
