/**
 * sendComet's headers go out in one writeHead (no per-response header map), with the same result
 * as setting them one by one; an idle stream listens for 'drain' only once a write was refused.
 */
import { expect } from 'chai';
import http from 'node:http';
import { sendComet } from '../../src/http/index.js';
import { pushQueue, type PushController } from '../../src/source/index.js';
import { listen, open } from '../support/loopback.js';
import { ScriptedResponse } from '../support/scripted.js';
import { turn } from '../support/timing.js';

describe('sendComet: headers and listeners', () => {
  it('options.headers replace a Comet header whatever their case; headers set before are kept; the status stays', async () => {
    let seen: http.ServerResponse | undefined;
    const server = await listen((_req, res) => {
      seen = res;
      res.statusCode = 203;
      res.setHeader('X-Before', 'kept');
      res.setHeader('Cache-Control', 'replaced by the Comet default');
      sendComet(res, pushQueue<string>(() => {}), { headers: { 'content-type': 'text/html', 'X-Extra': ['a', 'b'] } }).catch(() => {});
    });
    try {
      const { res } = await open(server.url);
      expect(res.statusCode).to.equal(203);
      const raw = res.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
      expect(raw.filter((name) => name === 'content-type'), 'one Content-Type').to.have.length(1);
      expect(res.headers['content-type']).to.equal('text/html');
      expect(res.headers['cache-control']).to.equal('no-cache, no-store, no-transform');
      expect(res.headers['x-before']).to.equal('kept');
      expect(res.headers['x-extra']).to.equal('a, b');
      expect(res.headers['x-accel-buffering']).to.equal('no');
      expect(seen!.headersSent).to.equal(true);
      res.destroy();
    } finally {
      await server.close();
    }
  });

  it("listens for 'drain' only from the first refused write, and lets go of every listener at the end", async () => {
    let ctl!: PushController<string>;
    const res = new ScriptedResponse();
    const done = sendComet(res.asResponse(), pushQueue<string>((c) => void (ctl = c)));
    await turn();
    expect(res.listenerCount('drain')).to.equal(0);
    expect(res.listenerCount('close') + res.listenerCount('error')).to.equal(2);
    ctl.push('a');
    await turn();
    expect(res.listenerCount('drain'), 'written and accepted').to.equal(0);
    res.accept = false;
    ctl.push('b');
    ctl.push('c');
    await turn();
    expect(res.writes).to.deep.equal(['a', 'b']);
    expect(res.listenerCount('drain')).to.equal(1);
    res.accept = true;
    res.drain();
    await turn();
    expect(res.writes).to.deep.equal(['a', 'b', 'c']);
    ctl.end();
    expect(await done).to.equal('end');
    expect(res.listenerCount('drain') + res.listenerCount('close') + res.listenerCount('error')).to.equal(0);
  });
});
