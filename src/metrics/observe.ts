/**
 * A hub's metrics through an OpenTelemetry `Meter`: counters read from `hub.stats()` when the meter
 * collects (nothing per message), histograms fed by the hub's observer port (see
 * src/hub/core/observe.ts), which the hub calls only while metrics are attached.
 */
import { observeKey, perTransport, TRANSPORTS, type HubObserver, type NamedTopic, type ObservableHub, type PerTransport, type Transport } from '../hub/core/observe.js';
import type { RedisHubStats } from '../hub/redis/types.js';
import type { HubStats } from '../hub/types.js';
import { checkOptions, describe, isObjectLike } from '../util/args.js';
import type { BatchObservableResultLike, HubMetrics, MeterLike, MetricAttributesLike, ObservableLike, ObserveHubOptions } from './types.js';

const WHERE = 'observeHub';
const OPTIONS = Object.keys({ meter: 1, prefix: 1, topicLabel: 1, attributes: 1 } satisfies Record<keyof ObserveHubOptions, 1>);
const METER_METHODS = [
  'createHistogram', 'createObservableCounter', 'createObservableUpDownCounter', 'createObservableGauge',
  'addBatchObservableCallback', 'removeBatchObservableCallback',
] as const;
/** An OpenTelemetry instrument name, less the longest suffix added here. */
const PREFIX = /^[A-Za-z][A-Za-z0-9_.\-/]{0,200}$/;

/** The attribute names this module sets. */
const TRANSPORT = 'comet_bridge.transport';
const REASON = 'comet_bridge.drop.reason';
const GROUP = 'comet_bridge.topic.group';
const ERROR_TYPE = 'error.type';

/** Why a message offered to a subscriber did not reach it (see `HubStats`). */
const REASONS = ['drop-oldest', 'drop-newest', 'slow-consumer', 'client-gone'] as const;

/** The most topic groups kept apart; the rest are counted together under {@link OTHER}. */
const MAX_GROUPS = 100;
const OTHER = '_other';
const INVALID = '_invalid';

/** Seconds: connections last from a moment to days (a Comet response rotates, an EventSource need not). */
const DURATION_BUCKETS = [0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
/** Seconds: a Redis round trip on a healthy network, up to an outage. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The counts of one topic group (with `topicLabel`), from the time metrics were attached. */
interface Group {
  readonly connections: PerTransport;
  readonly opened: PerTransport;
  published: number;
  /** The attributes of each transport's measurements in this group, and of those of no transport. */
  readonly attributes: Record<Transport, MetricAttributesLike>;
  readonly plain: MetricAttributesLike;
}

/**
 * Publishes a hub's figures as OpenTelemetry instruments made with `options.meter` (see the README's
 * "Metrics" section for the table): connections now and opened by transport, connection durations,
 * messages published, delivered, dropped by reason, replayed and missed, waiting; resets and
 * subscribers cut off for slowness; and for a Redis hub, publish durations, read lag, disconnects,
 * malformed entries and whether it is connected. Counters are read from `hub.stats()` once per
 * collection, so they cost nothing per message and count from the hub's start; the histograms
 * take what happens from now on (a connection open before this call is not timed). The package
 * never loads `@opentelemetry/api`: the meter is recognised by shape.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { observeHub } from 'comet-bridge/metrics';
 * const watching = observeHub(hub, { meter: metrics.getMeter('comet-bridge') });
 * // later: watching.stop();
 * ```
 * @param hub - a hub made by `createHub`, `cometHub` or `createRedisHub`
 * @param options - {@link ObserveHubOptions}: `meter`, and `prefix`, `topicLabel`, `attributes`
 * @returns what stops observing
 * @throws TypeError for a hub not made by this package, a `meter` missing a method of
 *   OpenTelemetry's `Meter`, an unknown option or one of the wrong type; RangeError for a `prefix`
 *   that is not an instrument name
 */
export function observeHub(hub: { stats(): HubStats }, options: ObserveHubOptions): HubMetrics {
  if (!isObjectLike(hub) || typeof (hub as Partial<ObservableHub>)[observeKey] !== 'function' || typeof hub.stats !== 'function') {
    throw new TypeError(`${WHERE}: hub must be a hub made by createHub, cometHub or createRedisHub, got ${describe(hub)}`);
  }
  if (options === undefined) throw new TypeError(`${WHERE}: options must be an object with a meter, got undefined`);
  const opts = checkOptions(options, WHERE, OPTIONS);
  const meter = checkMeter(opts.meter);
  const prefix = checkPrefix(opts.prefix);
  const topicLabel = opts.topicLabel;
  if (topicLabel !== undefined && typeof topicLabel !== 'function') {
    throw new TypeError(`${WHERE}: options.topicLabel must be a function from a topic to its group, got ${describe(topicLabel)}`);
  }
  const base = checkAttributes(opts.attributes);
  const redis = 'disconnects' in hub.stats();
  const name = (suffix: string): string => `${prefix}.${suffix}`;
  const counter = (suffix: string, unit: string, description: string): ObservableLike => meter.createObservableCounter(name(suffix), { unit, description });
  const upDown = (suffix: string, unit: string, description: string): ObservableLike => meter.createObservableUpDownCounter(name(suffix), { unit, description });

  const connections = upDown('connections', '{connection}', 'Subscribers now, by transport (iframe, eventsource: clients of hub.serve; subscribe: of hub.subscribe())');
  const opened = counter('connections.opened', '{connection}', 'Subscribers added, by transport');
  const cutOff = counter('connections.cut_off', '{connection}', "Subscribers cut off for slowness (policy 'disconnect')");
  const duration = meter.createHistogram(name('connection.duration'), {
    unit: 's', description: 'How long subscribers stayed, by transport', advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const published = counter('messages.published', '{message}', 'Messages fanned out by the hub');
  const delivered = counter('messages.delivered', '{message}', "Messages handed to subscribers' consumers (replays included)");
  const dropped = counter('messages.dropped', '{message}', 'Messages offered to a subscriber that it never got, by reason');
  const replayed = counter('messages.replayed', '{message}', 'Messages given from the history to subscribers resuming from a cursor');
  const missed = counter('messages.missed', '{message}', 'Messages subscribers were told they missed (no longer in the history)');
  const waiting = upDown('messages.waiting', '{message}', 'Messages waiting now for the subscribers');
  const resets = counter('resets', '{connection}', "Subscribers told that their cursor was of another epoch ('reset')");
  const observables = [connections, opened, cutOff, published, delivered, dropped, replayed, missed, waiting, resets];

  let disconnects: ObservableLike | undefined;
  let malformed: ObservableLike | undefined;
  let connected: ObservableLike | undefined;
  if (redis) {
    disconnects = counter('redis.disconnects', '{disconnect}', 'Times the Redis hub became disconnected');
    malformed = counter('redis.malformed', '{entry}', 'Stream entries skipped as malformed');
    connected = meter.createObservableGauge(name('redis.connected'), { description: 'Whether the Redis hub is connected (1) or not (0)' });
    observables.push(disconnects, malformed, connected);
  }

  const transportAttributes = attributesBy(base, TRANSPORT, TRANSPORTS);
  const reasonAttributes = attributesBy(base, REASON, REASONS);
  const groups = topicLabel === undefined ? null : new TopicGroups(topicLabel, base);

  const collect = (result: BatchObservableResultLike): void => {
    const s = hub.stats();
    if (groups === null) {
      for (const t of TRANSPORTS) {
        result.observe(connections, s.connections[t], transportAttributes[t]);
        result.observe(opened, s.opened[t], transportAttributes[t]);
      }
      result.observe(published, s.published, base);
    } else {
      for (const group of groups.all()) {
        for (const t of TRANSPORTS) {
          result.observe(connections, group.connections[t], group.attributes[t]);
          result.observe(opened, group.opened[t], group.attributes[t]);
        }
        result.observe(published, group.published, group.plain);
      }
    }
    result.observe(cutOff, s.disconnectedForSlowness, base);
    result.observe(delivered, s.delivered, base);
    result.observe(dropped, s.dropped['drop-oldest'], reasonAttributes['drop-oldest']);
    result.observe(dropped, s.dropped['drop-newest'], reasonAttributes['drop-newest']);
    result.observe(dropped, s.lostToSlowness, reasonAttributes['slow-consumer']);
    result.observe(dropped, s.discarded, reasonAttributes['client-gone']);
    result.observe(replayed, s.replayed, base);
    result.observe(missed, s.missed, base);
    result.observe(waiting, s.waiting, base);
    result.observe(resets, s.resets, base);
    if (redis) {
      const r = s as RedisHubStats;
      result.observe(disconnects!, r.disconnects, base);
      result.observe(malformed!, r.malformed, base);
      result.observe(connected!, r.connected ? 1 : 0, base);
    }
  };

  // told of the subscribers there already while attaching: they count as connected, not as opened
  let seeding = true;
  const observer: HubObserver = {
    left: (transport, topics, seconds) => {
      if (groups !== null) for (const group of groups.of(topics)) group.connections[transport]--;
      if (seconds !== undefined) duration.record(seconds, transportAttributes[transport]);
    },
  };
  if (groups !== null) {
    observer.joined = (transport, topics) => {
      for (const group of groups.of(topics)) {
        group.connections[transport]++;
        if (!seeding) group.opened[transport]++;
      }
    };
    observer.published = (topic) => {
      groups.get(topic).published++;
    };
  }
  if (redis) {
    const publishDuration = meter.createHistogram(name('redis.publish.duration'), {
      unit: 's', description: 'How long publishes took, from publish() to the answer of Redis (error.type: how it failed)',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    const readLag = meter.createHistogram(name('redis.read.lag'), {
      unit: 's', description: 'How long after Redis added an entry this process read it (by the entry id and this clock)',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    const failed = new Map<string, MetricAttributesLike>();
    observer.appended = (seconds, error) => {
      if (error === undefined) return publishDuration.record(seconds, base);
      const type = error instanceof Error ? error.name : '_OTHER';
      let attributes = failed.get(type);
      if (attributes === undefined) failed.set(type, (attributes = Object.freeze({ ...base, [ERROR_TYPE]: type })));
      publishDuration.record(seconds, attributes);
    };
    observer.read = (seconds) => readLag.record(seconds, base);
  }

  const detach = (hub as unknown as ObservableHub)[observeKey](observer);
  seeding = false;
  meter.addBatchObservableCallback(collect, observables);
  let stopped = false;
  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      detach();
      meter.removeBatchObservableCallback(collect, observables);
    },
  };
}

/** The topic groups of `topicLabel`, at most {@link MAX_GROUPS} apart. */
class TopicGroups {
  readonly #label: (topic: string) => unknown;
  readonly #base: MetricAttributesLike;
  readonly #groups = new Map<string, Group>();

  constructor(label: (topic: string) => unknown, base: MetricAttributesLike) {
    this.#label = label;
    this.#base = base;
  }

  /** The group of `topic`. */
  get(topic: string): Group {
    let label: unknown;
    try {
      label = this.#label(topic);
    } catch {
      label = INVALID;
    }
    const key = typeof label === 'string' ? label : INVALID;
    const group = this.#groups.get(key);
    if (group !== undefined) return group;
    if (this.#groups.size >= MAX_GROUPS) return this.#groups.get(OTHER) ?? this.#make(OTHER);
    return this.#make(key);
  }

  /** The groups of a subscriber's topics, each once. */
  of(topics: readonly NamedTopic[]): Iterable<Group> {
    return topics.length === 1 ? [this.get(topics[0]!.name)] : new Set(topics.map((t) => this.get(t.name)));
  }

  all(): Iterable<Group> {
    return this.#groups.values();
  }

  #make(key: string): Group {
    const plain = Object.freeze({ ...this.#base, [GROUP]: key });
    const group: Group = { connections: perTransport(), opened: perTransport(), published: 0, attributes: attributesBy(plain, TRANSPORT, TRANSPORTS), plain };
    this.#groups.set(key, group);
    return group;
  }
}

/** For each of `values`, `base` and `key: value`, frozen. */
function attributesBy<K extends string>(base: MetricAttributesLike, key: string, values: readonly K[]): Record<K, MetricAttributesLike> {
  const out = {} as Record<K, MetricAttributesLike>;
  for (const value of values) out[value] = Object.freeze({ ...base, [key]: value });
  return out;
}

function checkMeter(meter: unknown): MeterLike {
  const missing = isObjectLike(meter) ? METER_METHODS.filter((m) => typeof meter[m] !== 'function') : METER_METHODS;
  if (missing.length > 0) {
    throw new TypeError(`${WHERE}: options.meter must be an OpenTelemetry Meter (with ${missing.join(', ')}), got ${describe(meter)}`);
  }
  return meter as MeterLike;
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return 'comet_bridge.hub';
  if (typeof prefix !== 'string') throw new TypeError(`${WHERE}: options.prefix must be a string, got ${describe(prefix)}`);
  if (!PREFIX.test(prefix) || prefix.endsWith('.')) {
    throw new RangeError(`${WHERE}: options.prefix must be a letter and up to 200 of [A-Za-z0-9_.-/], not ending with '.', got ${JSON.stringify(prefix.slice(0, 60))}`);
  }
  return prefix;
}

function checkAttributes(attributes: unknown): MetricAttributesLike {
  if (attributes === undefined) return Object.freeze({});
  if (!isObjectLike(attributes) || Array.isArray(attributes)) {
    throw new TypeError(`${WHERE}: options.attributes must be an object of strings, numbers or booleans, got ${describe(attributes)}`);
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new TypeError(`${WHERE}: options.attributes['${key}'] must be a string, a number or a boolean, got ${describe(value)}`);
    }
  }
  return Object.freeze({ ...(attributes as MetricAttributesLike) });
}
