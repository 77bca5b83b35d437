/**
 * comet-bridge/metrics against the OpenTelemetry SDK with an in-memory reader: every instrument's
 * value is what `hub.stats()` says; a client leaving, a slow client cut off and a Redis outage each
 * move the instruments they should; topic groups, attributes, prefix and `stop()`; bad input.
 */
import { metrics as otelMetrics, type Meter } from '@opentelemetry/api';
import { expect } from 'chai';
import net from 'node:net';
import { Redis } from 'ioredis';
import { cometHub, createHub, createRedisHub, HubConnectionError, type HubStats } from '../../src/index.js';
import type { HubCore } from '../../src/hub/core/core.js';
import { observeHub, type MeterLike } from '../../src/metrics/index.js';
import { sse } from '../hub/fixtures/sse.js';
import { redisSuite } from '../hub/fixtures/redis-suite.js';
import { listen, open, type Listening } from '../support/loopback.js';
import { TestMetrics, type Collected } from '../support/metrics.js';
import { turn, until } from '../support/timing.js';

const CB = 'parent.cb';
const P = 'comet_bridge.hub';
const TRANSPORT = 'comet_bridge.transport';
const REASON = 'comet_bridge.drop.reason';
const GROUP = 'comet_bridge.topic.group';

/** Compile-time: a `Meter` of @opentelemetry/api is a MeterLike. */
const apiMeter: MeterLike = otelMetrics.getMeter('comet-bridge-types') satisfies Meter;

/** A subscriber as `hub.serve` makes one for a forever iframe. */
function iframe(hub: object, options = {}) {
  return (hub as { core: HubCore<string> }).core.subscribe(options, 'subscribe', { kind: 'comet', preface: () => '<open>' });
}

/** The instruments every hub has, and those a Redis hub adds. */
const HUB_INSTRUMENTS = [
  'connections', 'connections.opened', 'connections.cut_off', 'messages.published', 'messages.delivered', 'messages.dropped',
  'messages.replayed', 'messages.missed', 'messages.waiting', 'resets',
].map((n) => `${P}.${n}`);
const REDIS_INSTRUMENTS = ['redis.disconnects', 'redis.malformed', 'redis.connected'].map((n) => `${P}.${n}`);

/** Checks every counter and gauge read from `stats()` against it. */
function expectStats(c: Collected, s: HubStats): void {
  for (const t of ['iframe', 'eventsource', 'subscribe'] as const) {
    expect(c.value(`${P}.connections`, { [TRANSPORT]: t }), `connections ${t}`).to.equal(s.connections[t]);
    expect(c.value(`${P}.connections.opened`, { [TRANSPORT]: t }), `opened ${t}`).to.equal(s.opened[t]);
  }
  expect(c.sum(`${P}.connections`), 'connections add up to the subscribers').to.equal(s.subscribers);
  expect(c.value(`${P}.connections.cut_off`)).to.equal(s.disconnectedForSlowness);
  expect(c.value(`${P}.messages.published`)).to.equal(s.published);
  expect(c.value(`${P}.messages.delivered`)).to.equal(s.delivered);
  expect(c.value(`${P}.messages.dropped`, { [REASON]: 'drop-oldest' })).to.equal(s.dropped['drop-oldest']);
  expect(c.value(`${P}.messages.dropped`, { [REASON]: 'drop-newest' })).to.equal(s.dropped['drop-newest']);
  expect(c.value(`${P}.messages.dropped`, { [REASON]: 'slow-consumer' })).to.equal(s.lostToSlowness);
  expect(c.value(`${P}.messages.dropped`, { [REASON]: 'client-gone' })).to.equal(s.discarded);
  expect(c.value(`${P}.messages.replayed`)).to.equal(s.replayed);
  expect(c.value(`${P}.messages.missed`)).to.equal(s.missed);
  expect(c.value(`${P}.messages.waiting`)).to.equal(s.waiting);
  expect(c.value(`${P}.resets`)).to.equal(s.resets);
}

/** A raw client that asks for an event stream and never reads. */
function neverReading(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.pause();
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

describe('comet-bridge/metrics: observeHub', function () {
  this.timeout(20_000);
  let m: TestMetrics;
  let server: Listening | undefined;
  beforeEach(() => {
    m = new TestMetrics();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await m.close();
  });

  it('every instrument reads what hub.stats() says: connections by transport, each reason of drop, replays, missed, resets', async () => {
    const hub = cometHub<number>(CB, { history: 3, limit: 10, initialChunk: null, coalesce: false });
    for (let i = 1; i <= 6; i++) hub.publish(i);
    const watching = observeHub(hub, { meter: m.meter });
    const events = sse(hub, { since: 4, epoch: hub.epoch }); // replays 5, 6
    const behind = iframe(hub, { since: 1, epoch: hub.epoch }); // replays 4..6, missed 2 and 3
    const elsewhere = sse(hub, { since: 9, epoch: 'another-epoch' }); // reset: replays 4..6, missed 1..3
    const oldest = hub.subscribe({ policy: 'drop-oldest', limit: 2 });
    const newest = hub.subscribe({ policy: 'drop-newest', limit: 2 });
    const slow = hub.subscribe({ policy: 'disconnect', limit: 2 });
    for (let i = 7; i <= 9; i++) hub.publish(i);
    for (let i = 0; i < 2; i++) await events.next();
    await behind.next();
    await behind.return();
    await slow.next();
    await slow.return();
    await elsewhere.return();

    const s = hub.stats();
    // every figure is in play, so that each comparison below can fail
    expect(s).to.include({ replayed: 8, missed: 5, resets: 1, disconnectedForSlowness: 1, lostToSlowness: 2 });
    expect(s.dropped).to.deep.equal({ 'drop-oldest': 1, 'drop-newest': 1 });
    expect(s.discarded).to.be.greaterThan(0);
    expect(s.connections).to.deep.equal({ iframe: 0, eventsource: 1, subscribe: 2 });
    const c = await m.collect();
    expect(c.names()).to.deep.equal([...HUB_INSTRUMENTS, `${P}.connection.duration`].sort());
    expectStats(c, s);
    // the four that left were seen joining: each stay is timed, under its transport
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'iframe' }).count).to.equal(1);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'eventsource' }).count).to.equal(1);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'subscribe' }).count).to.equal(1);
    watching.stop();
    await oldest.return();
    await newest.return();
    hub.close();
  });

  it('a client leaving: connections of its transport go down, its stay is timed', async () => {
    const hub = cometHub<number>(CB, { history: 10 });
    observeHub(hub, { meter: m.meter });
    server = await listen((req, res) => void hub.serve(req, res, { heartbeatMs: 0 }));
    const t0 = performance.now();
    const page = await open(server.url + '/comet');
    const source = await open(server.url + '/events', { accept: 'text/event-stream' });
    await until(() => hub.size === 2, { what: 'two clients' });
    let c = await m.collect();
    expect(c.value(`${P}.connections`, { [TRANSPORT]: 'iframe' })).to.equal(1);
    expect(c.value(`${P}.connections`, { [TRANSPORT]: 'eventsource' })).to.equal(1);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'iframe' }).count).to.equal(0);

    page.req.destroy();
    await until(() => hub.size === 1, { what: 'the iframe client to leave' });
    const most = (performance.now() - t0) / 1000;
    hub.publish(1);
    await until(() => hub.stats().delivered === 1, { what: 'the event stream to take the message' });
    c = await m.collect();
    expect(c.value(`${P}.connections`, { [TRANSPORT]: 'iframe' })).to.equal(0);
    expect(c.value(`${P}.connections`, { [TRANSPORT]: 'eventsource' })).to.equal(1);
    expect(c.value(`${P}.connections.opened`, { [TRANSPORT]: 'iframe' })).to.equal(1);
    const stay = c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'iframe' });
    expect(stay.count).to.equal(1);
    expect(stay.sum).to.be.greaterThan(0);
    expect(stay.sum, 'no longer than from before it connected to after it left').to.be.at.most(most);
    expectStats(c, hub.stats());
    source.req.destroy();
    await until(() => hub.size === 0, { what: 'the event stream to leave' });
    hub.close();
  });

  it('a slow client cut off: connections.cut_off and the slow-consumer drops move, its connection ends and is timed', async () => {
    const hub = cometHub<string>(CB, { kind: 'string', limit: 4, policy: 'disconnect' });
    observeHub(hub, { meter: m.meter });
    server = await listen((req, res) => void hub.serve(req, res, { heartbeatMs: 0 }));
    const socket = await neverReading(server.port);
    await until(() => hub.size === 1, { what: 'the slow client to subscribe' });
    const big = 'x'.repeat(256 * 1024);
    // the socket's buffers fill, then the subscriber's queue: at most a few hundred MiB before the cut
    for (let i = 0; i < 2000 && hub.stats().disconnectedForSlowness === 0; i++) {
      hub.publish(big);
      await turn();
    }
    expect(hub.stats().disconnectedForSlowness).to.equal(1);
    await until(() => hub.size === 0, { what: 'the cut client to leave' });
    const c = await m.collect();
    expect(c.value(`${P}.connections.cut_off`)).to.equal(1);
    expect(c.value(`${P}.messages.dropped`, { [REASON]: 'slow-consumer' })).to.be.at.least(1);
    expect(c.value(`${P}.connections`, { [TRANSPORT]: 'eventsource' })).to.equal(0);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'eventsource' }).count).to.equal(1);
    expectStats(c, hub.stats());
    socket.destroy();
    hub.close();
  });

  it('topicLabel: connections, opened and published by topic group, counted from the time metrics were attached', async () => {
    const hub = createHub<number>();
    const before = hub.subscribe({ topics: ['user:1'] });
    hub.publish(0, { topic: 'user:1' });
    observeHub(hub, { meter: m.meter, topicLabel: (topic) => topic.split(':')[0]! });
    const subs = [
      hub.subscribe({ topics: ['user:2'] }),
      hub.subscribe({ topics: ['news'] }),
      hub.subscribe({ topics: ['user:3', 'news:x'] }), // in two groups
      hub.subscribe({ topics: ['a:1', 'a:2'] }), // in one
    ];
    for (const topic of ['user:1', 'user:2', 'news', '']) hub.publish(1, { topic });
    let c = await m.collect();
    const at = (group: string, t = 'subscribe') => ({ [GROUP]: group, [TRANSPORT]: t });
    expect(c.value(`${P}.connections`, at('user'))).to.equal(3);
    expect(c.value(`${P}.connections`, at('news'))).to.equal(2);
    expect(c.value(`${P}.connections`, at('a'))).to.equal(1);
    expect(c.value(`${P}.connections`, at('user', 'iframe'))).to.equal(0);
    expect(c.value(`${P}.connections.opened`, at('user')), 'the one there before was not opened since').to.equal(2);
    expect(c.value(`${P}.messages.published`, { [GROUP]: 'user' })).to.equal(2);
    expect(c.value(`${P}.messages.published`, { [GROUP]: 'news' })).to.equal(1);
    expect(c.value(`${P}.messages.published`, { [GROUP]: '' })).to.equal(1);
    expect(c.sum(`${P}.messages.published`)).to.equal(hub.stats().published - 1);
    expect(c.points(`${P}.messages.published`).every((p) => GROUP in p.attributes)).to.equal(true);
    await before.return();
    await subs[2]!.return();
    c = await m.collect();
    expect(c.value(`${P}.connections`, at('user'))).to.equal(1);
    expect(c.value(`${P}.connections`, at('news'))).to.equal(1);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'subscribe' }).count, 'the one timed').to.equal(1);
    hub.close();
  });

  it('topicLabel: at most 100 groups (the rest counted as _other); a label not a string, or one that throws, as _invalid', async () => {
    const hub = createHub<number>();
    observeHub(hub, {
      meter: m.meter,
      topicLabel: (topic) => {
        if (topic === 'boom') throw new Error('boom');
        return (topic === 'number' ? 7 : topic) as string;
      },
    });
    for (let i = 0; i < 150; i++) hub.publish(i, { topic: `t${i}` });
    expect(() => hub.publish(0, { topic: 'boom' })).not.to.throw();
    hub.publish(0, { topic: 'number' });
    const c = await m.collect();
    const groups = c.points(`${P}.messages.published`).map((p) => p.attributes[GROUP]);
    expect(groups).to.have.length(101);
    expect(c.value(`${P}.messages.published`, { [GROUP]: '_other' })).to.equal(50 + 2);
    expect(c.sum(`${P}.messages.published`)).to.equal(152);
    hub.close();

    const early = createHub<number>();
    observeHub(early, { meter: new TestMetrics().meter, topicLabel: () => 7 as unknown as string });
    const m2 = new TestMetrics();
    const invalid = createHub<number>();
    observeHub(invalid, { meter: m2.meter, topicLabel: (t) => (t === 'x' ? (null as unknown as string) : t) });
    invalid.publish(1, { topic: 'x' });
    expect((await m2.collect()).value(`${P}.messages.published`, { [GROUP]: '_invalid' })).to.equal(1);
    await m2.close();
    early.close();
    invalid.close();
  });

  it('attributes tell two hubs apart on one meter; prefix names the instruments', async () => {
    const a = createHub<number>();
    const b = createHub<number>();
    observeHub(a, { meter: m.meter, prefix: 'app.hub', attributes: { hub: 'a' } });
    observeHub(b, { meter: m.meter, prefix: 'app.hub', attributes: { hub: 'b', shard: 2 } });
    a.publish(1);
    b.publish(1);
    b.publish(2);
    b.subscribe();
    const c = await m.collect();
    expect(c.value('app.hub.messages.published', { hub: 'a' })).to.equal(1);
    expect(c.value('app.hub.messages.published', { hub: 'b', shard: 2 })).to.equal(2);
    expect(c.value('app.hub.connections', { hub: 'b', shard: 2, [TRANSPORT]: 'subscribe' })).to.equal(1);
    expect(c.value('app.hub.messages.dropped', { hub: 'a', [REASON]: 'client-gone' })).to.equal(0);
    expect(c.names().every((n) => n.startsWith('app.hub.'))).to.equal(true);
    a.close();
    b.close();
  });

  it('stop(): the hub is no longer observed (figures stay where they were, no stay is timed), and can be observed again', async () => {
    const hub = createHub<number>();
    const watching = observeHub(hub, { meter: m.meter });
    const sub = hub.subscribe();
    hub.publish(1);
    expect((await m.collect()).value(`${P}.messages.published`)).to.equal(1);
    watching.stop();
    watching.stop();
    hub.publish(2);
    await sub.return();
    let c = await m.collect();
    expect(c.value(`${P}.messages.published`)).to.equal(1);
    expect(c.histogram(`${P}.connection.duration`, { [TRANSPORT]: 'subscribe' }).count).to.equal(0);
    const again = observeHub(hub, { meter: m.meter });
    c = await m.collect();
    expect(c.value(`${P}.messages.published`)).to.equal(2);
    again.stop();
    hub.close();
  });

  it("works with @opentelemetry/api's own meter (a no-op one while no SDK is registered)", () => {
    const hub = createHub<number>();
    const watching = observeHub(hub, { meter: apiMeter });
    hub.subscribe();
    hub.publish(1);
    watching.stop();
    hub.close();
  });

  it('refuses bad input with errors naming observeHub', () => {
    const hub = createHub<number>();
    const meter = m.meter;
    expect(() => observeHub({ stats: () => hub.stats() }, { meter })).to.throw(TypeError, /^observeHub: hub must be a hub made by createHub/);
    expect(() => observeHub(null as never, { meter })).to.throw(TypeError, /observeHub: hub must be .*, got null/);
    expect(() => observeHub(hub, undefined as never)).to.throw(TypeError, /^observeHub: options must be an object with a meter/);
    expect(() => observeHub(hub, {} as never)).to.throw(TypeError, /^observeHub: options\.meter must be an OpenTelemetry Meter \(with createHistogram, .*\), got undefined/);
    const partial = { createHistogram() {}, createObservableCounter() {} } as unknown as MeterLike;
    expect(() => observeHub(hub, { meter: partial })).to.throw(TypeError, /with createObservableUpDownCounter, createObservableGauge, addBatchObservableCallback, removeBatchObservableCallback\), got a plain object/);
    expect(() => observeHub(hub, { meter, prefix: 42 as never })).to.throw(TypeError, /^observeHub: options\.prefix must be a string, got the number 42/);
    for (const prefix of ['', '1abc', 'a b', 'a.', 'x'.repeat(202)]) {
      expect(() => observeHub(hub, { meter, prefix }), prefix).to.throw(RangeError, /^observeHub: options\.prefix must be a letter/);
    }
    expect(() => observeHub(hub, { meter, topicLabel: 'user' as never })).to.throw(TypeError, /^observeHub: options\.topicLabel must be a function/);
    expect(() => observeHub(hub, { meter, attributes: [] as never })).to.throw(TypeError, /^observeHub: options\.attributes must be an object/);
    expect(() => observeHub(hub, { meter, attributes: { a: {} } as never })).to.throw(TypeError, /^observeHub: options\.attributes\['a'\] must be a string, a number or a boolean, got a plain object/);
    expect(() => observeHub(hub, { meter, prefx: 'x' } as never)).to.throw(TypeError, /^observeHub: unknown option 'prefx'/);
    hub.close();
  });
});

describe('comet-bridge/metrics: a Redis hub', function () {
  this.timeout(30_000);
  const suite = redisSuite();

  it('publish durations and read lag are recorded; an outage moves disconnects and connected, and a publish it fails is recorded with its error.type', async () => {
    const m = new TestMetrics();
    suite.defer(() => m.close());
    const redis = await suite.own({ appendonly: false });
    const client = new Redis(redis.url, { retryStrategy: () => 50 });
    client.on('error', () => {});
    suite.defer(() => client.disconnect());
    const hub = await createRedisHub<number>({ client, channel: 'metrics', history: 10, healthCheckMs: 200, maxOutageMs: 60_000 });
    suite.defer(() => hub.close());
    observeHub(hub, { meter: m.meter });
    const sub = hub.subscribe();
    expect(await hub.publish(1)).to.equal(1);
    expect(await sub.next()).to.deep.equal({ value: 1, done: false });

    let c = await m.collect();
    expect(c.names()).to.include.members([...HUB_INSTRUMENTS, ...REDIS_INSTRUMENTS, `${P}.redis.publish.duration`, `${P}.redis.read.lag`]);
    expect(c.value(`${P}.redis.connected`)).to.equal(1);
    expect(c.value(`${P}.redis.disconnects`)).to.equal(0);
    const published = c.histogram(`${P}.redis.publish.duration`);
    expect(published.count).to.equal(1);
    expect(published.sum).to.be.greaterThan(0);
    expect(c.histogram(`${P}.redis.read.lag`).count).to.equal(1);
    expectStats(c, hub.stats());

    redis.freeze();
    // sent to a server that answers nothing: rejected once the health check sees it stalled
    const lost = await hub.publish(2).then(() => null, (e: unknown) => e);
    expect(lost).to.be.instanceOf(HubConnectionError);
    await until(() => !hub.connected, { what: 'the hub to see the outage' });
    c = await m.collect();
    expect(c.value(`${P}.redis.connected`)).to.equal(0);
    expect(c.value(`${P}.redis.disconnects`)).to.equal(1);
    expect(c.value(`${P}.redis.disconnects`)).to.equal(hub.stats().disconnects);
    expect(c.value(`${P}.redis.malformed`)).to.equal(hub.stats().malformed);
    expect(c.histogram(`${P}.redis.publish.duration`, { 'error.type': 'HubConnectionError' }).count).to.equal(1);
    expect(c.histogram(`${P}.redis.publish.duration`).count, 'the failed one is not among the others').to.equal(1);

    redis.thaw();
    await until(() => hub.connected, { what: 'the hub to reconnect' });
    expect(await hub.publish(3)).to.be.greaterThan(1);
    c = await m.collect();
    expect(c.value(`${P}.redis.connected`)).to.equal(1);
    expect(c.value(`${P}.redis.disconnects`)).to.equal(1);
    expect(c.histogram(`${P}.redis.publish.duration`).count).to.equal(2);
    await sub.return();
  });
});
