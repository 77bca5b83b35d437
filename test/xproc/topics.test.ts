/**
 * Topics across processes: three server processes, each with one Redis hub carrying 1,000 topics
 * (a subscriber of its own on every topic, and messages published to every topic), behind a
 * round-robin proxy. Each process keeps two Redis connections (publishing and reading) whatever
 * the number of topics; a client on 5 topics that leaves its response after every 100 messages,
 * so that each reconnection lands on another process, gets every message of its topics exactly
 * once, in order, and nothing of the other topics.
 */
import { expect } from 'chai';
import { connect, clientsNamed } from '../support/redis-clients.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { sleep, until } from '../support/timing.js';
import { crossProcessSuite, startHubProcess, type HubState } from './fixtures/hub-processes.js';
import { firstOpen, startWireClient } from './fixtures/wire-client.js';

const TOPICS = Array.from({ length: 1000 }, (_, i) => `t${String(i).padStart(4, '0')}`);
/** The client's topics. */
const MINE = ['t0007', 't0123', 't0456', 't0789', 't0999'];
/** Messages to the client's topics, and as many to the others. */
const TOTAL = 1000;
const PER_CONNECTION = 100;
/** Messages per publish request: half to the client's topics, half to the others. */
const BATCH = 20;

describe('Redis hub across processes: 1,000 topics', function () {
  this.timeout(120_000);
  const suite = crossProcessSuite();

  it('keeps two Redis connections per process, and a client on 5 topics moving between processes every 100 messages gets each of its messages once, in order', async () => {
    const channel = `xproc-topics-${process.pid}-${Date.now()}`;
    const names = ['A', 'B', 'C'];
    const clientName = (name: string): string => `${channel}-${name}`;
    const { url, processes, proxies } = suite;
    for (const [i, name] of names.entries()) {
      processes.push(await startHubProcess(name, url, channel, { lib: i === 1 ? 'ioredis' : 'node-redis', clientName: clientName(name) }));
    }
    const admin = await connect('node-redis', url);
    try {
      const connections = async (): Promise<Record<string, number>> => clientsNamed(admin, names.map(clientName));
      const two = Object.fromEntries(names.map((name) => [clientName(name), 2]));
      expect(await connections(), 'connections per process before any topic').to.deep.equal(two);

      // every process listens to every topic
      for (const p of processes) expect(await p.subscribe(TOPICS), `subscribers in ${p.name}`).to.equal(TOPICS.length);
      const proxy = await startTcpProxy(processes.map((p) => p.port));
      proxies.push(proxy);
      const path = `/comet?${MINE.map((t) => `topic=${t}`).join('&')}`;
      const client = startWireClient({ port: proxy.port, path, total: TOTAL, perConnection: PER_CONNECTION, deadlineMs: 100_000 });
      await firstOpen(client);

      // the processes publish in turn, each batch half to the client's topics and half to the others, so
      // that every topic gets messages
      const others = TOPICS.filter((t) => !MINE.includes(t));
      const mine: { n: number; topic: string; id: number }[] = [];
      const lastOf: { topic: string; id: number }[] = [];
      let published = 0;
      for (let b = 0; published < 2 * TOTAL; b++) {
        const topics = Array.from({ length: BATCH }, (_, i) => (i % 2 === 0 ? MINE[(published + i) / 2 % MINE.length]! : others[((published + i - 1) / 2) % others.length]!));
        const values = topics.map((topic, i) => ({ n: published + i, topic }));
        const ids = await processes[b % processes.length]!.publish(values, topics);
        for (const [i, topic] of topics.entries()) {
          lastOf.push({ topic, id: ids[i]! });
          if (MINE.includes(topic)) mine.push({ n: published + i, topic, id: ids[i]! });
        }
        published += BATCH;
        await sleep(5);
      }
      expect(mine).to.have.length(TOTAL);
      await client.done;

      expect(client.timedOut, `timed out after ${client.deliveries.length} messages`).to.equal(false);
      const got = client.deliveries.map((d) => ({ ...(d.value as { n: number; topic: string }), id: d.id }));
      const twice = got.filter((m, i) => got.findIndex((o) => o.n === m.n) !== i).map((m) => m.n);
      expect(twice.slice(0, 10), 'messages received more than once').to.deep.equal([]);
      expect(got.filter((m) => !MINE.includes(m.topic)).slice(0, 10), 'messages of other topics').to.deep.equal([]);
      expect(got, 'every message of the client\'s topics, in order, with its id').to.deep.equal(mine);

      const { connections: responses } = client;
      expect(responses).to.have.length(TOTAL / PER_CONNECTION);
      const first = responses[0]!.open!;
      for (const [i, c] of responses.entries()) {
        expect(c.end, `response ${i} (${c.process}) ended`).to.equal('left');
        expect(c.messages, `messages on response ${i}`).to.equal(PER_CONNECTION);
        if (i === 0) continue;
        expect(c.process, `response ${i} on another process than ${i - 1}`).to.not.equal(responses[i - 1]!.process);
        const lastBefore = client.deliveries[i * PER_CONNECTION - 1]!.id;
        expect(c.open, `open of response ${i} (${c.process})`).to.deep.include({ epoch: first.epoch, since: lastBefore, missed: 0, reset: false });
      }
      expect(new Set(responses.map((c) => c.process))).to.deep.equal(new Set(names));

      // in every process, the subscriber of each topic got up to the last message of its topic; and
      // each process still holds its two connections with 1,000 topics in use
      const lastIds = Object.fromEntries(TOPICS.map((t) => [t, Math.max(...lastOf.filter((m) => m.topic === t).map((m) => m.id))]));
      let states: HubState[] = [];
      await until(async () => {
        states = await Promise.all(processes.map((p) => p.state()));
        return states.every((state) => state.lastId >= 2 * TOTAL);
      }, { what: 'every process to read every message' });
      for (const [i, state] of states.entries()) {
        expect({ lastId: state.lastId, local: state.local }, `process ${names[i]}`).to.deep.equal({ lastId: 2 * TOTAL, local: { lastIds, failed: 0 } });
        expect(state.stats.topics, `topics in use in process ${names[i]}`).to.be.at.least(TOPICS.length);
        expect(state.stats.malformed, `malformed in process ${names[i]}`).to.equal(0);
      }
      expect(await connections(), 'connections per process with 1,000 topics').to.deep.equal(two);
    } finally {
      admin.close();
    }
  });
});
