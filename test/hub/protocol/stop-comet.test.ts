/**
 * stopComet(res, callback, { nonce, headers }): ends a Comet client for good without a hub, with one
 * `stop` control as the whole response, over real sockets on 127.0.0.1.
 */
import { expect } from 'chai';
import type http from 'node:http';
import { stopComet } from '../../../src/index.js';
import { listen, loopbackSuite } from '../../support/loopback.js';
import { calls, CB, read } from '../fixtures/serve.js';

/** What calling `f` came to: the error it threw or its promise rejected with, else what it resolved to. */
async function outcome(f: () => unknown): Promise<{ threw?: unknown; rejected?: unknown; resolved?: unknown }> {
  let p: unknown;
  try {
    p = f();
  } catch (error) {
    return { threw: error };
  }
  try {
    return { resolved: await p };
  } catch (error) {
    return { rejected: error };
  }
}

describe('stopComet', function () {
  this.timeout(20_000);

  const suite = loopbackSuite();

  /** A server whose one route is `handle`; resolves with what it returned, for each request. */
  async function route(handle: (res: http.ServerResponse) => Promise<unknown>): Promise<{ port: number; results: unknown[] }> {
    const results: unknown[] = [];
    suite.server = await listen((_req, res) => {
      void handle(res).then((r) => results.push(r));
    });
    return { port: suite.server.port, results };
  }

  it('answers with exactly one stop control, callback({"type":"stop"},0), as a complete text/html response', async () => {
    const s = await route((res) => outcome(() => stopComet(res, CB)));
    const r = await read(s.port, '/gone');
    expect(r.ended).to.equal(true);
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(r.body).to.equal(`<script type="text/javascript">${CB}({"type":"stop"},0);</script>`);
    expect(calls(r.body)).to.deep.equal([{ value: { type: 'stop' }, id: 0 }]);
    expect(s.results).to.deep.equal([{ resolved: 'end' }]);
  });

  it('carries the nonce on its script and the headers given', async () => {
    const s = await route((res) => outcome(() => stopComet(res, 'parent.news', { nonce: 'r4nd0m+/=', headers: { 'X-Reason': 'logged out', 'Set-Cookie': ['a=; Max-Age=0', 'b=; Max-Age=0'] } })));
    const r = await read(s.port, '/gone');
    expect(r.body).to.equal('<script type="text/javascript" nonce="r4nd0m+/=">parent.news({"type":"stop"},0);</script>');
    expect(r.headers['x-reason']).to.equal('logged out');
    expect(r.headers['set-cookie']).to.deep.equal(['a=; Max-Age=0', 'b=; Max-Age=0']);
    expect(s.results).to.deep.equal([{ resolved: 'end' }]);
  });

  it('throws TypeError naming stopComet for a bad response, callback or option, and writes nothing', async () => {
    const bad: [string, (res: http.ServerResponse) => unknown][] = [
      ['res null', () => stopComet(null as never, CB)],
      ['res a plain object', () => stopComet({} as never, CB)],
      ['callback not a path', (res) => stopComet(res, 'alert(1)//')],
      ['callback empty', (res) => stopComet(res, '')],
      ['callback a number', (res) => stopComet(res, 42 as never)],
      ['callback missing', (res) => stopComet(res, undefined as never)],
      ['options a number', (res) => stopComet(res, CB, 5 as never)],
      ['an unknown option', (res) => stopComet(res, CB, { nonse: 'abc' } as never)],
      ['a nonce that is not base64', (res) => stopComet(res, CB, { nonce: '"><script>' })],
      ['a header of an object', (res) => stopComet(res, CB, { headers: { 'X-A': {} as never } })],
      ['headers a string', (res) => stopComet(res, CB, { headers: 'X-A: 1' as never })],
    ];
    const s = await route(async (res) => {
      const got: [string, unknown][] = [];
      for (const [name, call] of bad) got.push([name, (await outcome(() => call(res))).threw]);
      // the response is untouched: a good call still answers it whole
      await stopComet(res, CB);
      return got;
    });
    const r = await read(s.port, '/gone');
    expect(r.body).to.equal(`<script type="text/javascript">${CB}({"type":"stop"},0);</script>`);
    const [got] = s.results as [string, unknown][][];
    expect(got).to.have.length(bad.length);
    // every case that does not throw a TypeError naming stopComet, with what it did
    const wrong = got!.filter(([, error]) => !(error instanceof TypeError && error.message.startsWith('stopComet: ')));
    expect(wrong.map(([name, error]) => `${name}: ${String(error)}`)).to.deep.equal([]);
  });

  it('refuses a response that has started (headers sent) or ended, with an Error naming stopComet, and adds nothing to it', async () => {
    const s = await route(async (res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      const started = await outcome(() => stopComet(res, CB));
      res.end();
      const ended = await outcome(() => stopComet(res, CB));
      return { started, ended };
    });
    const r = await read(s.port, '/gone');
    const [{ started, ended }] = s.results as Record<'started' | 'ended', Awaited<ReturnType<typeof outcome>>>[];
    const refusal = (o: Awaited<ReturnType<typeof outcome>>): string => {
      const error = o.threw ?? o.rejected;
      return error instanceof Error && error.message.startsWith('stopComet: ') ? 'refused' : `not refused: ${error === undefined ? `resolved ${String(o.resolved)}` : String(error)}`;
    };
    expect({ body: r.body, started: refusal(started!), ended: refusal(ended!) }).to.deep.equal({ body: 'partial', started: 'refused', ended: 'refused' });
  });
});
