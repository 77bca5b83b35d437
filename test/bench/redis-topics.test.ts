import { expect } from 'chai';
import { createClient } from 'redis';
import { createRedisHub } from '../../src/index.js';
import { redisCpuSeconds } from '../../bench/hub-systems.js';
import { connectionsNamed } from '../../bench/redis-topics.js';
import { startTopicsServer, topicPath, type TopicsServer } from '../../bench/redis-topics-server.js';
import { redisForTests, type RedisServer } from '../support/redis-server.js';

/** Polls `check` until it holds (each poll 20 ms apart); the test's own timeout bounds it. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe('bench redis-topics: the server processes and their connection count', function () {
  this.timeout(60_000);
  let url: string;
  let server: RedisServer | null;
  let admin: ReturnType<typeof createClient>;
  const started: TopicsServer[] = [];

  before(async () => {
    ({ url, server } = await redisForTests());
    admin = createClient({ url });
    admin.on('error', () => {});
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  after(async () => {
    admin.destroy();
    await server?.stop();
  });

  it('asks for a topic by path in the per-topic layout and by ?topic= in the topics layout', () => {
    expect(topicPath('per-topic', 7)).to.equal('/t7');
    expect(topicPath('topics', 7)).to.equal('/?topic=t7');
  });

  it('counts one connection per topic plus one in the per-topic layout, two in the topics layout', async () => {
    const channel = `test-bench-topics-${process.pid}`;
    const perTopic = await startTopicsServer({ url, layout: 'per-topic', channel: `${channel}-a`, topics: 5, name: `${channel}-a` });
    started.push(perTopic);
    const topics = await startTopicsServer({ url, layout: 'topics', channel: `${channel}-b`, topics: 5, name: `${channel}-b` });
    started.push(topics);
    expect(perTopic.port).to.be.above(0);
    // a connection may still be on its way in: wait for the least expected, then check none is extra
    await until(async () => (await connectionsNamed(admin, `${channel}-a`)) >= 6 && (await connectionsNamed(admin, `${channel}-b`)) >= 2);
    expect(await connectionsNamed(admin, `${channel}-a`)).to.equal(6);
    expect(await connectionsNamed(admin, `${channel}-b`)).to.equal(2);
    expect(await connectionsNamed(admin, `${channel}-c`)).to.equal(0);
  });

  it("reads redis-server's CPU time, which grows with work done", async () => {
    const before = await redisCpuSeconds(admin);
    expect(before).to.be.a('number').and.to.be.at.least(0);
    // a little work Redis must do: the CPU time it reports moves on from what it was
    let after = before;
    for (let i = 0; after === before; i++) {
      await admin.sendCommand(['EVAL', 'local s = 0 for i = 1, 200000 do s = s + i end return s', '0']);
      after = await redisCpuSeconds(admin);
      expect(i).to.be.below(1000);
    }
    expect(after).to.be.above(before);
  });

  it('has a reader count every message of topic t0 and no other', async () => {
    const channel = `test-bench-reader-${process.pid}`;
    const reader = await startTopicsServer({ url, layout: 'reader', channel, topics: 1, name: channel });
    started.push(reader);
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    const hub = await createRedisHub<number>({ client, channel });
    try {
      for (let i = 0; i < 30; i++) await hub.publish(i, { topic: i % 3 === 0 ? 't1' : 't0' });
      await hub.publish(-1, { topic: 't0' });
      await until(async () => (await reader.count()) >= 21);
      expect(await reader.count()).to.equal(21);
    } finally {
      await hub.close();
      client.destroy();
    }
  });
});
