/**
 * `comet-bridge/metrics`: a hub's figures as OpenTelemetry instruments (`@opentelemetry/api` is an
 * optional peer: this entry point never loads it, and a hub not observed runs none of it).
 */
export { observeHub } from './observe.js';
export type {
  BatchObservableCallbackLike,
  BatchObservableResultLike,
  HistogramLike,
  HubMetrics,
  InstrumentOptionsLike,
  MeterLike,
  MetricAttributesLike,
  ObservableLike,
  ObserveHubOptions,
} from './types.js';
