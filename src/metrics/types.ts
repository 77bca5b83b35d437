/**
 * The types of `comet-bridge/metrics`: the part of an OpenTelemetry `Meter` it uses, written out
 * here so that the package needs `@opentelemetry/api` neither at run time nor for its types. A
 * `Meter` of `@opentelemetry/api` 1.3 or later (`metrics.getMeter(name)`, or a `MeterProvider`'s
 * `getMeter`) is one of these.
 */

/** The attributes of one measurement, as OpenTelemetry takes them. */
export type MetricAttributesLike = Readonly<Record<string, string | number | boolean>>;

/** The options of an instrument that {@link observeHub} gives (a subset of OpenTelemetry's `MetricOptions`). */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  /** Histograms: the bucket boundaries advised (honoured by the SDK from 1.7 of the API on, ignored before). */
  advice?: { explicitBucketBoundaries?: number[] };
}

/** An asynchronous instrument: observed through a batch callback. */
export interface ObservableLike {
  addCallback(callback: (result: { observe(value: number, attributes?: MetricAttributesLike): void }) => void): void;
}

/** A histogram: what `record` is given is aggregated into buckets. */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}

/** What a batch callback is given: observes any of the instruments it was registered with. */
export interface BatchObservableResultLike {
  observe(metric: ObservableLike, value: number, attributes?: MetricAttributesLike): void;
}

/** A batch callback: called once per collection for all its instruments. */
export type BatchObservableCallbackLike = (result: BatchObservableResultLike) => void;

/** The part of an OpenTelemetry `Meter` that {@link observeHub} uses (recognised by shape). */
export interface MeterLike {
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
  createObservableCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  createObservableUpDownCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableLike;
  addBatchObservableCallback(callback: BatchObservableCallbackLike, observables: ObservableLike[]): void;
  removeBatchObservableCallback(callback: BatchObservableCallbackLike, observables: ObservableLike[]): void;
}

/** Options of {@link observeHub}. */
export interface ObserveHubOptions {
  /** The OpenTelemetry `Meter` the instruments are made with (e.g. `metrics.getMeter('comet-bridge')`). */
  meter: MeterLike;
  /**
   * The start of every instrument's name. Default `'comet_bridge.hub'` (instruments
   * `comet_bridge.hub.connections`, …). Letters, digits, `_`, `.`, `-`, `/`, starting with a letter.
   */
  prefix?: string;
  /**
   * Adds the attribute `comet_bridge.topic.group` to the connection counts and to the messages
   * published: the group of a topic, e.g. `(topic) => topic.split(':')[0]!` (`user:42` → `user`).
   * Never a topic name itself: each group is a time series of its own, so the groups must be few
   * (past 100, the rest are counted as `_other`; a group that is not a string, or a function that
   * throws, counts as `_invalid`). A subscriber counts once in each group its topics fall in.
   * Default none: no topic attribute at all.
   */
  topicLabel?: (topic: string) => string;
  /**
   * Attributes added to every measurement, e.g. `{ 'comet_bridge.hub.name': 'chat' }` to tell apart
   * two hubs observed with one meter. Strings, numbers or booleans; as bounded as the other attributes.
   */
  attributes?: MetricAttributesLike;
}

/** What {@link observeHub} returns. */
export interface HubMetrics {
  /** Stops observing: the instruments get no more values from this hub. Idempotent. */
  stop(): void;
}
