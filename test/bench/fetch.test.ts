import { expect } from 'chai';
import { nodeCell, split, start, type Profile } from '../../bench/fetch.js';
import { Clients } from '../../bench/hub-clients.js';
import { measure } from '../../bench/hub-measure.js';

/** A profile whose nodes have the given self samples, all children of one root. */
function profile(frames: [functionName: string, url: string, hits: number][]): Profile {
  return {
    nodes: [
      { id: 1, hitCount: 0, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      ...frames.map(([functionName, url, hitCount], i) => ({ id: i + 2, hitCount, callFrame: { functionName, url, lineNumber: 9 } })),
    ],
  };
}

describe('bench hub.fetch: where a server spends its CPU', () => {
  it('gives each place its share of the busy samples, start-up and idle left out', () => {
    const { places, top } = split(
      profile([
        ['(idle)', '', 500],
        ['compileSourceTextModule', 'node:internal/modules/esm/utils', 300],
        ['transform', 'file:///x/node_modules/tsx/dist/index.mjs', 100],
        ['readableStreamDefaultReaderRead', 'node:internal/webstreams/readablestream', 20],
        ['enqueue', 'node:internal/webstreams/readablestream', 10],
        ['flow', 'file:///x/node_modules/@hono/node-server/dist/index.mjs', 10],
        ['encode', 'node:internal/encoding', 10],
        ['writev', '', 40],
        ['write_', 'node:_http_outgoing', 5],
        ['join', 'file:///x/node_modules/.cache/comet-bridge-bench/abc/esm/hub/protocol/encoding.js', 5],
      ]),
    );
    expect(Object.fromEntries(places)).to.deep.equal({
      'web streams': 0.3,
      '@hono/node-server bridge': 0.1,
      'strings to bytes (TextEncoder)': 0.1,
      'socket writes (native)': 0.4,
      "Node's http, net and streams": 0.05,
      'comet-bridge': 0.05,
    });
    expect(top[0]).to.deep.equal({ name: 'writev', share: 0.4 });
    expect(top[1]).to.deep.equal({ name: 'readableStreamDefaultReaderRead (webstreams/readablestream:10)', share: 0.2 });
    expect(top.map((t) => t.share)).to.deep.equal([...top.map((t) => t.share)].sort((a, b) => b - a));
  });

  it('counts a function sampled under several stacks once, with all its samples', () => {
    const { top } = split(profile([['writev', '', 3], ['writev', '', 1]]));
    expect(top).to.deep.equal([{ name: 'writev', share: 1 }]);
  });
});

describe('bench hub.fetch: a server in a process of its own', function () {
  this.timeout(120_000);

  for (const [name, mode] of [['hub.serve', 'serve'], ['hub.fetch', 'fetch']] as const) {
    it(`measures ${name} on Node: every client has every message, and the server's CPU time is its own`, async () => {
      const clients = new Clients();
      try {
        await clients.ask({});
        const remote = await start(nodeCell(name, mode));
        expect(remote.runtime).to.equal(`Node ${process.version}`);
        const result = await measure(remote, clients, 5, 40, 1, { sse: true, rate: 200 });
        expect(result.perSecond).to.be.greaterThan(0).and.to.be.finite;
        expect(result.p99).to.be.at.least(result.p50);
        expect(result.cpuPerDelivery).to.be.greaterThan(0).and.to.be.finite;
      } finally {
        clients.stop();
      }
    });
  }
});
