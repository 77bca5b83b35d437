/**
 * Replay across processes: three server processes on one Redis behind a round-robin proxy, and a
 * client speaking the wire protocol that leaves its response after every 100 messages, so each
 * reconnection (with `?epoch=&since=`) lands on another process, one of them started after the
 * first 500 messages. Every message must arrive exactly once, in order.
 */
import { expect } from 'chai';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { crossProcessSuite, publishRange, startHubProcess } from './fixtures/hub-processes.js';
import { firstOpen, startWireClient } from './fixtures/wire-client.js';

const TOTAL = 2000;
const PER_CONNECTION = 100;
const LATE_AFTER = 500;

describe('Redis hub across processes: a client moving between processes', function () {
  this.timeout(120_000);
  const suite = crossProcessSuite();

  it('delivers 2,000 messages exactly once, in order, through a reconnection every 100 messages to another process, one started after the first 500', async () => {
    const channel = `xproc-rr-${process.pid}-${Date.now()}`;
    // B on ioredis, A and C on node-redis
    const { url, processes, proxies } = suite;
    processes.push(await startHubProcess('A', url, channel), await startHubProcess('B', url, channel, { lib: 'ioredis' }));
    const proxy = await startTcpProxy(processes.map((p) => p.port));
    proxies.push(proxy);
    const client = startWireClient({ port: proxy.port, total: TOTAL, perConnection: PER_CONNECTION, deadlineMs: 90_000 });
    await firstOpen(client);

    // every process publishes in turn; the late one joins the round (and the proxy's) after 500
    const ids = await publishRange(() => processes, 0, LATE_AFTER);
    const late = await startHubProcess('C', url, channel);
    processes.push(late);
    proxy.add(late.port);
    ids.push(...(await publishRange(() => processes, LATE_AFTER, TOTAL)));
    await client.done;

    expect(client.timedOut, `timed out after ${client.deliveries.length} messages`).to.equal(false);
    const values = client.deliveries.map((d) => (d.value as { n: number }).n);
    const expected = Array.from({ length: TOTAL }, (_, n) => n);
    const twice = values.filter((n, i) => values.indexOf(n) !== i);
    expect(twice.slice(0, 10), 'values received more than once').to.deep.equal([]);
    expect(expected.filter((n) => !values.includes(n)).slice(0, 10), 'values never received').to.deep.equal([]);
    expect(values).to.deep.equal(expected);
    expect(client.deliveries.map((d) => d.id), 'ids as published').to.deep.equal(ids);

    const { connections } = client;
    expect(connections).to.have.length(TOTAL / PER_CONNECTION);
    const first = connections[0]!.open!;
    for (const [i, c] of connections.entries()) {
      expect(c.end, `connection ${i} (${c.process}) ended`).to.equal('left');
      expect(c.messages, `messages on connection ${i}`).to.equal(PER_CONNECTION);
      if (i === 0) continue;
      const previous = connections[i - 1]!;
      expect(c.process, `connection ${i} on another process than ${i - 1}`).to.not.equal(previous.process);
      const lastBefore = client.deliveries[i * PER_CONNECTION - 1]!.id;
      expect(c.path, `connection ${i} carried the cursor`).to.equal(`/comet?epoch=${first.epoch}&since=${lastBefore}`);
      expect(c.open, `open of connection ${i} (${c.process})`).to.deep.include({ epoch: first.epoch, since: lastBefore, missed: 0, reset: false });
    }
    const onLate = connections.filter((c) => c.process === 'C');
    expect(onLate.length, 'connections served by the late process').to.be.at.least(2);
    expect(new Set(connections.map((c) => c.process))).to.deep.equal(new Set(['A', 'B', 'C']));
  });
});
