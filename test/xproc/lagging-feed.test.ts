/**
 * Replay from a process whose live feed lags: its Redis traffic goes through a proxy that holds
 * every chunk 300 ms each way, so when a client that has read up to id N on a prompt process
 * reconnects to it with `since=N`, the lagging process has not seen N yet. It must replay nothing
 * twice and miss nothing.
 */
import { expect } from 'chai';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { crossProcessSuite, publishRange, startHubProcess } from './fixtures/hub-processes.js';
import { firstOpen, startWireClient } from './fixtures/wire-client.js';

const TOTAL = 600;
const SWITCH_AT = 200;
const HOLD_MS = 300;

describe('Redis hub across processes: a reconnection to a process whose feed lags', function () {
  this.timeout(120_000);
  const suite = crossProcessSuite();

  it(`replays nothing twice and misses nothing when the process is ${HOLD_MS} ms behind the client's cursor`, async () => {
    const channel = `xproc-lag-${process.pid}-${Date.now()}`;
    const proxy = await startTcpProxy([Number(new URL(suite.url).port)]);
    suite.proxies.push(proxy);
    const prompt = await startHubProcess('prompt', suite.url, channel);
    suite.processes.push(prompt);
    const lagging = await startHubProcess('lagging', proxy.url, channel);
    suite.processes.push(lagging);
    proxy.hold(HOLD_MS);

    let behind: { cursor: number; lastId: number } | null = null;
    const client = startWireClient({
      port: (index) => (index === 0 ? prompt.port : lagging.port),
      total: TOTAL,
      perConnection: (index) => (index === 0 ? SWITCH_AT : Infinity),
      deadlineMs: 60_000,
      beforeConnect: async (index, c) => {
        if (index === 1) behind = { cursor: c.lastId, lastId: (await lagging.state()).lastId };
      },
    });
    await firstOpen(client);

    // a steady stream from the prompt process, before, during and after the switch
    const ids = await publishRange(() => [prompt], 0, TOTAL, 5, 10);
    await client.done;

    expect(behind, 'the client switched').to.not.equal(null);
    const { cursor, lastId } = behind!;
    expect(lastId, `the lagging process's last id when the client came with since=${cursor}`).to.be.below(cursor);
    expect(client.timedOut, `timed out after ${client.deliveries.length} messages`).to.equal(false);
    const values = client.deliveries.map((d) => (d.value as { n: number }).n);
    const twice = values.filter((n, i) => values.indexOf(n) !== i);
    expect(twice.slice(0, 10), 'values received more than once').to.deep.equal([]);
    expect(values).to.deep.equal(Array.from({ length: TOTAL }, (_, n) => n));
    expect(client.deliveries.map((d) => d.id), 'ids as published').to.deep.equal(ids);

    const [first, second] = client.connections;
    expect(client.connections).to.have.length(2);
    expect(second!.process).to.equal('lagging');
    expect(second!.open, 'open on the lagging process').to.deep.include({ epoch: first!.open!.epoch, since: cursor, missed: 0, reset: false });
    expect(second!.messages).to.equal(TOTAL - SWITCH_AT);
  });
});
