/**
 * The OpenTelemetry SDK with an in-memory reader, for the metrics tests: a meter, and what it has
 * when asked (`collect()`), read by instrument name and attributes.
 */
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader, type DataPoint, type ExponentialHistogram, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';

/** A data point of any kind of instrument. */
type AnyPoint = DataPoint<number | Histogram | ExponentialHistogram>;

/** A reader collected on demand only (no timer): the test decides when the meter is read. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One collection: the instruments by name. */
export class Collected {
  constructor(readonly metrics: ReadonlyMap<string, MetricData>) {}

  /** The names of the instruments that have data points. */
  names(): string[] {
    return [...this.metrics].filter(([, m]) => m.dataPoints.length > 0).map(([name]) => name).sort();
  }

  /** The data points of `name` whose attributes include `where`. */
  points(name: string, where: Attributes = {}): AnyPoint[] {
    const metric = this.metrics.get(name);
    if (metric === undefined) return [];
    return (metric.dataPoints as AnyPoint[]).filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v));
  }

  /**
   * The value of the one data point of counter or gauge `name` whose attributes are exactly `attributes`.
   * @throws Error when there is not exactly one such point
   */
  value(name: string, attributes: Attributes = {}): number {
    const exact = this.points(name, attributes).filter((p) => Object.keys(p.attributes).length === Object.keys(attributes).length);
    if (exact.length !== 1) throw new Error(`${name} ${JSON.stringify(attributes)}: ${exact.length} data points`);
    const value = exact[0]!.value;
    if (typeof value !== 'number') throw new Error(`${name} is not a counter or a gauge`);
    return value;
  }

  /** The sum of the values of counter or gauge `name` over the points whose attributes include `where`. */
  sum(name: string, where: Attributes = {}): number {
    return this.points(name, where).reduce((n, p) => n + (p.value as number), 0);
  }

  /** Histogram `name`'s point of exactly `attributes` (count 0 and sum 0 when it has none yet). */
  histogram(name: string, attributes: Attributes = {}): { count: number; sum: number; min: number | undefined; max: number | undefined } {
    const metric = this.metrics.get(name);
    if (metric !== undefined && metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
    const exact = this.points(name, attributes).filter((p) => Object.keys(p.attributes).length === Object.keys(attributes).length);
    if (exact.length === 0) return { count: 0, sum: 0, min: undefined, max: undefined };
    const h = exact[0]!.value as Histogram;
    return { count: h.count, sum: h.sum ?? 0, min: h.min, max: h.max };
  }
}

/** A meter provider read on demand; `close()` shuts it down. */
export class TestMetrics {
  readonly #reader = new OnDemandReader();
  readonly provider = new MeterProvider({ readers: [this.#reader] });
  readonly meter = this.provider.getMeter('comet-bridge-test');

  /** Collects now. @throws the first error the SDK reports */
  async collect(): Promise<Collected> {
    const { resourceMetrics, errors } = await this.#reader.collect();
    if (errors.length > 0) throw errors[0];
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
    return new Collected(out);
  }

  close(): Promise<void> {
    return this.provider.shutdown();
  }
}
