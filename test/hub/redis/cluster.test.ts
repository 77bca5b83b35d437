/**
 * The Redis hub on a real Redis Cluster: three redis-server processes in cluster mode on loopback
 * ports, joined without replicas by `redis-cli --cluster create`, started by this file (never the
 * shared $REDIS_URL server), with ioredis `Cluster` and node-redis `createCluster`.
 *
 * On a running cluster: the hub's three keys live on the node serving the channel's slot, for a
 * channel on each node; messages on topics published from two clients reach the subscribers of both
 * exactly once, in order; the blocking reads and the health check's PING go to that node alone; the hubs of
 * one client whose channels share a hash tag share one reading connection and one PING per interval, and a
 * channel of another slot, even on the same node, has a reading connection of its own.
 *
 * A node killed (SIGKILL) mid-stream, with `healthCheckMs` 250 and `maxOutageMs` 1500: the hubs
 * whose keys it held reject publishes with HubConnectionError (`sent: false` once the health check
 * knows, `sent: true` for one already sent), and every subscriber of theirs gets the messages read
 * before the node died, in order, then ends with HubConnectionError "Redis unreachable for 1500 ms";
 * a cluster without replicas cannot fail over, so they stay down and refuse new subscribers. The
 * hubs whose keys are on the other nodes go on while the cluster counts the node as reachable (the
 * test holds that state with a long `cluster-node-timeout`, then shortens it). Once the other nodes
 * mark it failed, Redis's default `cluster-require-full-coverage yes` makes them refuse every
 * command (CLUSTERDOWN): those hubs' publishes reject with HubConnectionError and their subscribers
 * end with it after `maxOutageMs`. With `cluster-require-full-coverage no` (set then) the survivors
 * serve their slots again and those hubs come back by themselves: new subscribers get every message
 * once, in order. docs/redis.md ("Redis Cluster") says the same.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { hashSlot } from '../../../src/hub/redis/client.js';
import { connectCluster, FLAVORS, type Flavor, type TestClient } from '../../support/redis-clients.js';
import { startCluster, type ClusterNode, type TestCluster } from '../../support/redis-cluster.js';
import { sleep, until } from '../../support/timing.js';
import { redisSuite } from '../fixtures/redis-suite.js';

/** What a subscriber of the tests gets: the id, topic and value of each message. */
interface Msg {
  id: number;
  topic: string;
  value: number;
}

const encode = (value: number, id: number, topic = ''): Msg => ({ id, topic, value });

/** A publish that rejected, and what it published. */
interface Rejected {
  error: HubConnectionError;
  value: number;
}

/** A channel whose hash slot `node` serves: the first of `<prefix>0`, `<prefix>1`, … that is. */
async function channelOn(cluster: TestCluster, node: ClusterNode, prefix: string): Promise<string> {
  for (let i = 0; ; i++) if ((await cluster.owner(hashSlot(`${prefix}${i}`))) === node) return `${prefix}${i}`;
}

/** A subscriber's messages as they come, and how it ended (undefined while it runs). */
interface Reading {
  got: Msg[];
  ended: Promise<unknown>;
  end: unknown;
}

/** Subscribes to `topics` of `hub` and reads in the background. */
function read(hub: RedisHub<number, Msg>, topics: readonly string[]): Reading {
  const reading: Reading = { got: [], ended: Promise.resolve(), end: undefined };
  const sub = hub.subscribe({ topics });
  reading.ended = (async () => {
    try {
      for await (const m of sub) reading.got.push(m);
      reading.end = 'done';
    } catch (error) {
      reading.end = error;
    }
  })();
  return reading;
}

/**
 * Counts of one node: its connections (the test's own admin connection included), how many of them
 * last ran XREAD, and how many PINGs it has answered.
 */
async function nodeStats(node: ClusterNode): Promise<{ connections: number; readers: number; pings: number }> {
  const list = String(await node.admin.call('CLIENT', 'LIST')).trim().split('\n');
  const stats = String(await node.admin.call('INFO', 'commandstats'));
  return {
    connections: list.length,
    readers: list.filter((line) => / cmd=xread /.test(line)).length,
    pings: Number(/cmdstat_ping:calls=(\d+)/.exec(stats)?.[1] ?? 0),
  };
}

/**
 * Checks that `msgs` are the messages of ids `from`, `from + 1`, … in order, each with the value its publish
 * resolved with (`published`: id → value), or else the value of a publish rejected with `sent: true`
 * (it may have been run just before the node died, its answer lost).
 */
function inOrder(msgs: readonly Msg[], published: ReadonlyMap<number, number>, rejected: readonly Rejected[] = [], from = 1): void {
  const unsure = new Set(rejected.filter((r) => r.error.sent).map((r) => r.value));
  msgs.forEach((m, i) => {
    expect(m.id, `message ${i}`).to.equal(from + i);
    if (published.has(m.id)) expect(m.value, `value of id ${m.id}`).to.equal(published.get(m.id));
    else expect(unsure.has(m.value), `id ${m.id} (${m.value}) was neither resolved nor maybe sent`).to.equal(true);
  });
}

describe('createRedisHub on a Redis Cluster', function () {
  this.timeout(30_000);

  describe('a running 3-node cluster', () => {
    let cluster: TestCluster | undefined;
    const suite = redisSuite();
    before(async function () {
      this.timeout(40_000);
      cluster = await startCluster();
    });
    after(async () => {
      await cluster?.stop();
    });

    /** Two cluster clients of `flavor`, closed after the test. */
    async function clients(flavor: Flavor): Promise<[TestClient, TestClient]> {
      const a = await connectCluster(flavor, cluster!.rootNodes);
      suite.defer(() => a.close());
      const b = await connectCluster(flavor, cluster!.rootNodes);
      suite.defer(() => b.close());
      return [a, b];
    }

    async function hub(client: TestClient, channel: string, options: { healthCheckMs?: number } = {}): Promise<RedisHub<number, Msg>> {
      const made = await createRedisHub<number, Msg>({ client: client.raw, channel, encode, history: 100, ...options });
      suite.defer(() => made.close());
      return made;
    }

    it('computes the slot Redis computes (CLUSTER KEYSLOT), hash tags included', async () => {
      const admin = cluster!.nodes[0]!.admin;
      for (const key of ['news', '{news}:id', '{news}:id:keys', 'a{b}c', 'a{}{b}', '{}b', 'x{y', 'x}y{', 'é€😀', '']) {
        expect(hashSlot(key), key).to.equal(await admin.call('CLUSTER', 'KEYSLOT', key));
      }
    });

    /** The counts of every node. */
    const stats = (): Promise<{ connections: number; readers: number; pings: number }[]> => Promise.all(cluster!.nodes.map(nodeStats));

    /**
     * Once client `a` has its own connection to each node (ioredis opens them as it first uses them) and
     * the connections of the tests before are closed (each node has the test's and the client's): the counts.
     */
    async function atRest(a: TestClient): Promise<{ connections: number; readers: number; pings: number }[]> {
      for (const n of cluster!.nodes) await a.command(['EXISTS', await channelOn(cluster!, n, 'warm-')]);
      let now = await stats();
      await until(async () => (now = await stats()).every((s) => s.connections === 2), { what: () => `two connections per node: ${JSON.stringify(now)}` });
      return now;
    }

    for (const flavor of FLAVORS) {
      it(`${flavor}: a channel on each node keeps its keys there; topics across two clients arrive once each, in order`, async () => {
        const [a, b] = await clients(flavor);
        for (const node of cluster!.nodes) {
          const channel = await channelOn(cluster!, node, `${flavor}-topics-`);
          const [ha, hb] = [await hub(a, channel), await hub(b, channel)];
          const readers = [read(ha, ['x', 'y']), read(hb, ['x', 'y']), read(hb, ['y'])];
          // both clients publish at once, on two topics: Redis gives the ids
          const published = new Map<number, number>();
          const topicOf = new Map<number, string>();
          await Promise.all(Array.from({ length: 60 }, async (_, i) => {
            const topic = i % 3 === 0 ? 'y' : 'x';
            const id = await (i % 2 === 0 ? ha : hb).publish(i, { topic });
            published.set(id, i);
            topicOf.set(id, topic);
          }));
          // a last message: once it arrived, everything before it has (one stream, in order)
          const last = await ha.publish(-1, { topic: 'y' });
          published.set(last, -1);
          topicOf.set(last, 'y');
          await until(() => readers.every((r) => r.got.at(-1)?.id === last), { what: `the last message of ${channel}` });
          for (const r of readers.slice(0, 2)) {
            expect(r.got).to.have.length(61);
            inOrder(r.got, published);
            for (const m of r.got) expect(m.topic).to.equal(topicOf.get(m.id));
          }
          expect(readers[2]!.got.map((m) => m.id)).to.deep.equal([...topicOf].filter(([, t]) => t === 'y').map(([id]) => id).sort((p, q) => p - q));
          expect(readers.map((r) => r.end)).to.deep.equal([undefined, undefined, undefined]);
          // the stream, the hash and the key window, on the node serving the slot itself (no redirection)
          expect(await node.admin.call('EXISTS', channel, `{${channel}}:id`, `{${channel}}:id:keys`)).to.equal(3);
        }
      });

      it(`${flavor}: reads with one connection, to the node holding the keys, and health-checks that node`, async () => {
        const a = await connectCluster(flavor, cluster!.rootNodes);
        suite.defer(() => a.close());
        const node = cluster!.nodes[1]!;
        const channel = await channelOn(cluster!, node, `${flavor}-reads-`);
        let now = await atRest(a);
        const before = now;
        await hub(a, channel, { healthCheckMs: 50 });
        await until(async () => (now = await stats())[1]!.pings >= before[1]!.pings + 5, { what: 'five health checks' });
        await until(async () => JSON.stringify((now = await stats()).map((s) => [s.connections, s.readers])) === '[[2,0],[3,1],[2,0]]', {
          what: () => `one more connection, reading, on the node holding the keys alone: ${JSON.stringify(now)}`,
        });
        expect(now[0]!.pings).to.equal(before[0]!.pings);
        expect(now[2]!.pings).to.equal(before[2]!.pings);
      });

      it(`${flavor}: hubs whose channels share a hash tag share one reading connection and one PING per interval; another slot has its own`, async () => {
        const a = await connectCluster(flavor, cluster!.rootNodes);
        suite.defer(() => a.close());
        const node = cluster!.nodes[0]!;
        const tag = await channelOn(cluster!, node, `${flavor}-tag-`);
        let now = await atRest(a);
        const tagged = await Promise.all(['a', 'b', 'c'].map((x) => hub(a, `{${tag}}:${x}`, { healthCheckMs: 50 })));
        await until(async () => JSON.stringify((now = await stats()).map((s) => [s.connections, s.readers])) === '[[3,1],[2,0],[2,0]]', {
          what: () => `one more connection, reading, for the three hubs: ${JSON.stringify(now)}`,
        });
        // one PING per interval for the three: PINGs are at least healthCheckMs apart
        const p0 = now[0]!.pings;
        const t0 = performance.now();
        await until(async () => (now = await stats())[0]!.pings >= p0 + 3, { what: 'three health checks' });
        expect(now[0]!.pings - p0).to.be.at.most(Math.floor((performance.now() - t0) / 50) + 2);
        const readers = tagged.map((h) => read(h, ['']));
        for (const [i, h] of tagged.entries()) await h.publish(i);
        await until(() => readers.every((r) => r.got.length === 1), { what: 'a message on each tagged hub' });
        expect(readers.map((r) => r.got.map((m) => m.value))).to.deep.equal([[0], [1], [2]]);
        // a channel of another slot on the same node: a reading connection of its own (one XREAD names keys of one slot)
        let other = `${tag}-other`;
        for (let i = 0; (await cluster!.owner(hashSlot(other))) !== node; i++) other = `${tag}-other${i}`;
        await hub(a, other);
        await until(async () => JSON.stringify((now = await stats()).map((s) => [s.connections, s.readers])) === '[[4,2],[2,0],[2,0]]', {
          what: () => `a second reading connection: ${JSON.stringify(now)}`,
        });
      });

      it(`${flavor}: a publisher and a subscriber of the user's own, both cluster clients`, async () => {
        const [a, b] = await clients(flavor);
        const channel = await channelOn(cluster!, cluster!.nodes[2]!, `${flavor}-own-`);
        const h = await createRedisHub<number, Msg>({ publisher: a.raw, subscriber: b.raw, channel, encode });
        suite.defer(() => h.close());
        const r = read(h, ['']);
        const ids = [await h.publish(1), await h.publish(2)];
        await until(() => r.got.length === 2, { what: 'both messages' });
        expect(r.got.map((m) => [m.id, m.value])).to.deep.equal([[ids[0], 1], [ids[1], 2]]);
        await h.close();
        expect(await r.ended.then(() => r.end)).to.equal('done');
      });

      it(`${flavor}: an idKey off the channel's slot is refused before anything is sent`, async () => {
        const [a] = await clients(flavor);
        expect(() => createRedisHub({ client: a.raw, channel: 'news', idKey: 'news-id' })).to.throw(
          TypeError, /^createRedisHub: on a Redis Cluster, "news-id" must hash to the slot of channel "news"/);
        // a channel with a `}` and no hash tag cannot share its slot with the default idKey
        expect(() => createRedisHub({ client: a.raw, channel: 'a}b' })).to.throw(TypeError, /"\{a\}b\}:id" must hash to the slot/);
        // an idKey with the channel's hash tag is accepted
        const h = await createRedisHub<number>({ client: a.raw, channel: `{${flavor}}:feed`, idKey: `{${flavor}}:counter` });
        suite.defer(() => h.close());
        expect(await h.publish(1)).to.equal(1);
      });
    }
  });

  for (const flavor of FLAVORS) {
    describe(`${flavor}: a node killed mid-stream`, () => {
      let cluster: TestCluster | undefined;
      const suite = redisSuite();
      afterEach(async () => {
        await cluster?.stop();
        cluster = undefined;
      });

      it('fails the subscribers of its hubs after maxOutageMs; the hubs on other nodes go on while the cluster serves their slots', async function () {
        this.timeout(50_000);
        // the survivors mark the victim failed only when told (a shorter node timeout, below)
        cluster = await startCluster({ nodeTimeoutMs: 3_600_000 });
        const [victim, ...survivors] = cluster.nodes as [ClusterNode, ...ClusterNode[]];
        const a = await connectCluster(flavor, cluster.rootNodes);
        suite.defer(() => a.close());
        const b = await connectCluster(flavor, cluster.rootNodes);
        suite.defer(() => b.close());
        const options = { encode, healthCheckMs: 250, maxOutageMs: 1500 };
        const survivorsSay = async (state: string): Promise<boolean> =>
          (await Promise.all(survivors.map((n) => n.admin.call('CLUSTER', 'INFO').then(String)))).every((info) => info.includes(`cluster_state:${state}`));

        /** A channel's hubs (publishing on `a`, read on `b`), a publisher that runs until told, and what it got. */
        const lane = async (node: ClusterNode, prefix: string) => {
          const channel = await channelOn(cluster!, node, prefix);
          const pub = await createRedisHub<number, Msg>({ ...options, client: a.raw, channel });
          const sub = await createRedisHub<number, Msg>({ ...options, client: b.raw, channel });
          suite.defer(() => pub.close(), () => sub.close());
          const published = new Map<number, number>();
          const rejected: Rejected[] = [];
          const state = { channel, pub, sub, published, rejected, reading: read(sub, ['t']), stopped: false, done: Promise.resolve() };
          state.done = (async () => {
            for (let i = 0; !state.stopped; i++) {
              await pub.publish(i, { topic: 't' }).then((id) => void published.set(id, i), (error: unknown) => {
                expect(error).to.be.instanceOf(HubConnectionError);
                rejected.push({ error: error as HubConnectionError, value: i });
              });
              await sleep(10);
            }
          })();
          suite.defer(async () => {
            state.stopped = true;
            await state.done;
          });
          return state;
        };
        const dead = await lane(victim, 'dead-');
        const live = [await lane(survivors[0]!, 'live-'), await lane(survivors[1]!, 'live-')];

        await until(() => dead.reading.got.length >= 20, { what: '20 messages before the kill' });
        await cluster.kill(victim);

        // the victim's hubs: publishes reject, subscribers get what was read, in order, then fail
        await until(() => dead.reading.end !== undefined, { what: 'the end of the subscriber on the dead node' });
        expect(dead.reading.end).to.be.instanceOf(HubConnectionError);
        expect((dead.reading.end as Error).message).to.equal(`Redis hub "${dead.channel}": Redis unreachable for 1500 ms`);
        expect(dead.reading.got.length).to.be.at.least(20);
        inOrder(dead.reading.got, dead.published, dead.rejected);
        const late = dead.rejected.length;
        await until(() => dead.rejected.length >= late + 3, { what: 'publishes rejected while the node is down' });
        dead.stopped = true;
        await dead.done;
        expect(dead.rejected.at(-1)!.error.sent).to.equal(false);
        for (const { error } of dead.rejected) {
          expect(error.sent).to.be.a('boolean');
          if (error.sent) expect(error.key).to.be.a('string');
        }
        expect(dead.pub.connected).to.equal(false);
        // no fail-over without replicas: new subscribers are refused
        const refused = read(dead.sub, ['t']);
        await refused.ended;
        expect(refused.end).to.be.instanceOf(HubConnectionError);

        // the other hubs go on meanwhile, the cluster still counting the victim as reachable
        const counts = live.map((l) => l.reading.got.length);
        await until(() => live.every((l, i) => l.reading.got.length >= counts[i]! + 10), { what: 'ten more messages on each live channel' });
        expect(await survivorsSay('ok')).to.equal(true);
        for (const l of live) {
          expect(l.reading.end).to.equal(undefined);
          expect(l.rejected).to.deep.equal([]);
          inOrder(l.reading.got, l.published);
        }

        // once the survivors mark it failed, Redis's default (cluster-require-full-coverage yes) stops every slot
        for (const n of survivors) await n.admin.call('CONFIG', 'SET', 'cluster-node-timeout', '1000');
        await until(() => survivorsSay('fail'), { what: 'cluster_state:fail' });
        await until(() => live.every((l) => l.reading.end !== undefined && l.rejected.length > 0), { what: 'the live hubs to fail' });
        for (const l of live) {
          expect((l.reading.end as Error).message).to.equal(`Redis hub "${l.channel}": Redis unreachable for 1500 ms`);
          inOrder(l.reading.got, l.published, l.rejected);
          // node-redis hands on the node's CLUSTERDOWN (sent: false); ioredis retries it, then gives up (sent: true)
          const { error } = l.rejected[0]!;
          expect(error.sent).to.equal(flavor === 'ioredis');
          expect(String((error.cause as Error)?.message)).to.match(flavor === 'ioredis' ? /^Too many Cluster redirections/ : /^CLUSTERDOWN /);
        }

        // with cluster-require-full-coverage no, the survivors serve their slots again: the hubs there come back
        for (const n of survivors) await n.admin.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'no');
        await until(() => survivorsSay('ok'), { what: 'cluster_state:ok without the victim' });
        await until(() => live.every((l) => l.sub.connected), { what: 'the live hubs to be connected again' });
        const again = live.map((l) => read(l.sub, ['t']));
        await until(() => again.every((r) => r.got.length >= 10), { what: 'ten messages on each live channel, the victim failed' });
        for (const [i, l] of live.entries()) {
          expect(again[i]!.end).to.equal(undefined);
          inOrder(again[i]!.got, l.published, l.rejected, again[i]!.got[0]!.id);
        }
      });
    });
  }
});
