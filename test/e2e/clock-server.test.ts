/**
 * The clock demo over plain HTTP and as a process: the page, the client module it serves, the stream
 * `hub.serve` writes (open, ticks with ids, replay from a cursor, 400), teardown when an HTTP client
 * disconnects, a clean close, the clock emitter itself, and `npm start`'s one line and clean exit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import sinon from 'sinon';
import { Comet } from '../../src/comet/index.js';
import { ClockEmitter, TICK } from '../../examples/clock/clock.js';
import { CALLBACK, CLIENT_PATH, startClockServer, STREAM_PATH, type ClockServer } from '../../examples/clock/server.js';
import { until } from '../support/timing.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Reads the stream (with `query`) until `enough(text)` holds, then disconnects, or until it ends;
 * returns the text, whether it ended, and the server-side response.
 */
function readStream(
  clock: ClockServer,
  enough: (text: string) => boolean,
  query = '',
): Promise<{ text: string; ended: boolean; res: http.ServerResponse }> {
  return new Promise((resolve, reject) => {
    let res: http.ServerResponse | undefined;
    clock.server.once('request', (_req, r: http.ServerResponse) => (res = r));
    const req = http.get(new URL(STREAM_PATH + query, clock.url), (incoming) => {
      try {
        expect(incoming.statusCode).to.equal(200);
        expect(incoming.headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(incoming.headers['cache-control']).to.equal('no-cache, no-store, no-transform');
        expect(incoming.headers['content-security-policy']).to.match(/^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/]+={0,2}'$/);
      } catch (error) {
        req.destroy();
        reject(error);
        return;
      }
      incoming.setEncoding('utf8');
      let text = '';
      incoming.on('data', (chunk: string) => {
        text += chunk;
        if (enough(text)) {
          req.destroy();
          resolve({ text, ended: false, res: res! });
        }
      });
      incoming.on('end', () => resolve({ text, ended: true, res: res! }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

/** The scripts of a stream body, as calls: `[value, id]`, the value as JSON or the string a tick carries. */
function calls(text: string): Array<[unknown, number]> {
  return [...text.matchAll(/<script type="text\/javascript" nonce="[A-Za-z0-9+/]+={0,2}">parent\.clockChanged\((.*?),(\d+)\);<\/script>/g)].map(
    ([, value, id]) => [value!.startsWith("'") ? value!.slice(1, -1).replace(/\\\//g, '/') : JSON.parse(value!), Number(id)],
  );
}

describe('clock demo over HTTP', function () {
  this.timeout(10_000);
  let clock: ClockServer;

  beforeEach(async () => {
    clock = await startClockServer();
  });

  afterEach(async () => {
    await clock.close();
  });

  it('listens on 127.0.0.1 and an ephemeral port by default, its clock ticking into the hub from the start', async () => {
    expect(clock.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(clock.url).to.not.equal('http://127.0.0.1:0/');
    expect(clock.emitter.running).to.equal(true);
    await until(() => clock.hub.lastId >= 2, { what: 'two ticks published', everyMs: 5 });
    expect(clock.hub.size, 'subscribers').to.equal(0);
  });

  it('serves a page that connects with connectComet from /client.js, and no iframe in its markup', async () => {
    const response = await fetch(clock.url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)' 'self'/.exec(csp)?.[1];
    expect(nonce, csp).to.be.a('string');
    expect(html).to.include('<p id="clock">');
    expect(html).to.include('<strong id="state" data-state="connecting">');
    expect(html).to.include(`<script type="module" nonce="${nonce}">`);
    expect(html).to.include(`import { connectComet } from "${CLIENT_PATH}";`);
    expect(html).to.include(`connectComet("${STREAM_PATH}", {`);
    expect(html).to.include(`callback: "${CALLBACK}",`);
    expect(html).to.not.include('<iframe');
  });

  it('serves the client module compiled from src/client/index.ts: it imports, and checks callbacks as the server does', async () => {
    const response = await fetch(new URL(CLIENT_PATH, clock.url));
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    const code = await response.text();
    const client = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof import('../../src/client/index.js');
    expect(client.connectComet).to.be.a('function');
    expect(client.isCometCallback(CALLBACK)).to.equal(true);
    expect(client.isCometCallback('parent.eval')).to.equal(false);
  });

  it('streams with hub.serve: open first, then each tick as parent.clockChanged(time, id), nonce and CSP included', async () => {
    const { text } = await readStream(clock, (t) => calls(t).length >= 4);
    expect(text.startsWith(Comet.initialHtmlChunk)).to.equal(true);
    const [[open, zero], ...ticks] = calls(text) as [[{ type: string; epoch: string; lastId: number; since: number }, number], ...Array<[string, number]>];
    expect(zero).to.equal(0);
    expect(open).to.deep.include({ type: 'open', epoch: clock.hub.epoch, missed: 0, reset: false });
    expect(open.since).to.equal(open.lastId);
    expect(ticks.map(([, id]) => id)).to.deep.equal(ticks.map((_, i) => open.lastId + 1 + i));
    for (const [time] of ticks) expect(time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (let i = 1; i < ticks.length; i++) expect(Date.parse(ticks[i]![0])).to.be.greaterThan(Date.parse(ticks[i - 1]![0]));
  });

  it('replays the ticks after a cursor of this epoch; another epoch is a reset; a malformed cursor is a 400', async () => {
    await until(() => clock.hub.lastId >= 6, { what: 'six ticks', everyMs: 5 });
    const since = clock.hub.lastId - 5;
    const replay = await readStream(clock, (t) => calls(t).length >= 6, `?epoch=${clock.hub.epoch}&since=${since}`);
    const [[open], ...ticks] = calls(replay.text);
    expect(open).to.deep.include({ type: 'open', since, missed: 0, reset: false });
    expect(ticks.map(([, id]) => id)).to.deep.equal([1, 2, 3, 4, 5].map((i) => since + i));
    const reset = await readStream(clock, (t) => calls(t).length >= 2, '?epoch=anEarlierRun&since=3');
    expect(calls(reset.text)[0]![0]).to.deep.include({ type: 'open', since: 0, reset: true });
    const bad = await fetch(new URL(`${STREAM_PATH}?epoch=${clock.hub.epoch}&since=01`, clock.url));
    expect(bad.status).to.equal(400);
  });

  it('unsubscribes from the hub within one tick of the response closing when an HTTP client disconnects', async () => {
    // Counted one event-loop turn after the server-side response's 'close', whenever that comes.
    let afterOneTick: number | undefined;
    clock.server.once('request', (_req, r: http.ServerResponse) =>
      r.once('close', () => setImmediate(() => (afterOneTick = clock.hub.size))),
    );
    const { res } = await readStream(clock, (t) => calls(t).length >= 2);
    expect(clock.hub.size).to.equal(1);
    if (!res.destroyed) await once(res, 'close');
    await until(() => afterOneTick !== undefined, { what: "the response's close", everyMs: 1 });
    expect(afterOneTick).to.equal(0);
    expect(clock.emitter.listenerCount(TICK), 'the hub’s one listener').to.equal(1);
  });

  it('answers HEAD of the stream without subscribing, 404 for other paths and 405 for other methods', async () => {
    const head = await fetch(new URL(STREAM_PATH, clock.url), { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(clock.hub.size).to.equal(0);
    expect((await fetch(new URL('/nope', clock.url))).status).to.equal(404);
    const post = await fetch(clock.url, { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('GET, HEAD');
  });

  it('close() ends every stream cleanly, stops the clock and closes the hub', async () => {
    const reading = readStream(clock, () => false);
    await until(() => clock.hub.size === 1, { what: 'a subscriber', everyMs: 5 });
    await clock.close();
    const { text, ended } = await reading;
    expect(ended, 'the response ended cleanly').to.equal(true);
    expect(text.endsWith('</script>')).to.equal(true);
    expect(clock.emitter.running).to.equal(false);
    expect(clock.hub.closed).to.equal(true);
    expect(clock.server.listening).to.equal(false);
  });

  it('rejects a bad port with a RangeError before listening', async () => {
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      let error: unknown;
      await startClockServer({ port }).catch((e: unknown) => (error = e));
      expect(error, String(port)).to.be.instanceOf(RangeError);
    }
  });
});

describe('ClockEmitter', () => {
  let clockTimers: sinon.SinonFakeTimers;
  beforeEach(() => {
    clockTimers = sinon.useFakeTimers({ now: Date.UTC(2024, 0, 2, 3, 4, 5, 600), toFake: ['setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => clockTimers.restore());

  it('ticks only while it has tick listeners, and never again after stop()', () => {
    const emitter = new ClockEmitter(100);
    expect(emitter.running).to.equal(false);
    const seen: string[] = [];
    const listener = (time: string): void => void seen.push(time);
    emitter.on(TICK, listener);
    expect(emitter.running).to.equal(true);
    clockTimers.tick(250);
    expect(seen).to.deep.equal(['2024-01-02T03:04:05.700Z', '2024-01-02T03:04:05.800Z']);
    emitter.off(TICK, listener);
    expect(emitter.running).to.equal(false);
    clockTimers.tick(1000);
    expect(seen).to.have.length(2);
    emitter.stop();
    emitter.on(TICK, listener);
    expect(emitter.running).to.equal(false);
    clockTimers.tick(1000);
    expect(seen).to.have.length(2);
    emitter.off(TICK, listener);
  });

  it('rejects an interval that is not a positive finite number', () => {
    for (const ms of [0, -5, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => new ClockEmitter(ms), String(ms)).to.throw(RangeError, /intervalMs/);
    }
  });
});

describe('npm start (the clock demo as a process)', function () {
  this.timeout(20_000);
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints exactly one line with the URL and exits 0 on ${signal}, with a stream open`, async () => {
      child = spawn(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, 'examples/clock/server.ts'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = once(child, 'exit');
      await until(() => stdout.includes('\n'), { what: 'the URL line', timeoutMs: 15_000, everyMs: 20 });
      const url = /^Comet clock running at (http:\/\/127\.0\.0\.1:\d+\/)\n$/.exec(stdout)?.[1];
      expect(url, stdout).to.be.a('string');
      expect((await fetch(url!)).status).to.equal(200);

      const stream = http.get(new URL(STREAM_PATH, url));
      stream.on('error', () => {});
      const [incoming] = (await once(stream, 'response')) as [http.IncomingMessage];
      await once(incoming, 'data');
      child.kill(signal);
      const [code, signalCode] = (await exited) as [number | null, string | null];
      expect({ code, signalCode }, stderr).to.deep.equal({ code: 0, signalCode: null });
      expect(stdout.split('\n')).to.deep.equal([`Comet clock running at ${url}`, '']);
      stream.destroy();
    });
  }
});
