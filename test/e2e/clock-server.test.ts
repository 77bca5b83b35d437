/**
 * The clock demo over plain HTTP and as a process: the page, the stream's bytes, teardown when an
 * HTTP client disconnects, the clock emitter itself, and `npm start`'s one line and clean exit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import sinon from 'sinon';
import { Comet } from '../../src/comet/index.js';
import { ClockEmitter, TICK } from '../../examples/clock/clock.js';
import { CALLBACK, startClockServer, STREAM_PATH, type ClockServer } from '../../examples/clock/server.js';
import { waitFor } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads the stream until `enough(text)` holds, then disconnects; returns the text and the server-side response. */
function readStream(clock: ClockServer, enough: (text: string) => boolean): Promise<{ text: string; res: http.ServerResponse }> {
  return new Promise((resolve, reject) => {
    let res: http.ServerResponse | undefined;
    clock.server.once('request', (_req, r: http.ServerResponse) => (res = r));
    const req = http.get(new URL(STREAM_PATH, clock.url), (incoming) => {
      try {
        expect(incoming.statusCode).to.equal(200);
        expect(incoming.headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(incoming.headers['cache-control']).to.equal('no-cache, no-store, no-transform');
        expect(incoming.headers['content-security-policy']).to.match(/script-src 'nonce-[A-Za-z0-9+/]+={0,2}'/);
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
          resolve({ text, res: res! });
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
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

  it('listens on 127.0.0.1 and an ephemeral port by default, with an idle clock', () => {
    expect(clock.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(clock.url).to.not.equal('http://127.0.0.1:0/');
    expect(clock.emitter.running).to.equal(false);
  });

  it('serves a page with a clock element, the callback and the hidden forever iframe', async () => {
    const response = await fetch(clock.url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    const html = await response.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
    expect(nonce).to.be.a('string');
    expect(html).to.include('<p id="clock">');
    expect(html).to.include(`<script nonce="${nonce}">`);
    expect(html).to.include('function clockChanged(isoTime)');
    expect(html).to.include('var cometMessage = clockChanged;');
    expect(html).to.include(`<iframe src="${STREAM_PATH}" hidden`);
  });

  it('streams Play-format chunks calling parent.clockChanged with ISO times, nonce included', async () => {
    const { text } = await readStream(clock, (t) => t.split('</script>').length > 3);
    expect(text.startsWith(Comet.initialHtmlChunk)).to.equal(true);
    const chunks = text.slice(Comet.initialHtmlChunk.length).split('</script>').slice(0, 3);
    const times = chunks.map((chunk) => {
      const match = /^<script type="text\/javascript" nonce="[A-Za-z0-9+/]+={0,2}">parent\.clockChanged\('([^']+)'\);$/.exec(chunk);
      expect(match, chunk).to.not.equal(null);
      return match![1]!.replace(/\\\//g, '/');
    });
    expect(CALLBACK).to.equal('parent.clockChanged');
    for (const time of times) expect(time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(times[2]!)).to.be.greaterThan(Date.parse(times[1]!));
    expect(Date.parse(times[1]!)).to.be.greaterThan(Date.parse(times[0]!));
  });

  it('removes the tick listener within one tick of the response closing when an HTTP client disconnects', async () => {
    // Counted one event-loop turn after the server-side response's 'close', whenever that comes.
    let afterOneTick: number | undefined;
    clock.server.once('request', (_req, r: http.ServerResponse) =>
      r.once('close', () => setImmediate(() => (afterOneTick = clock.emitter.listenerCount(TICK)))),
    );
    const { res } = await readStream(clock, (t) => t.includes('</script>'));
    expect(clock.emitter.listenerCount(TICK)).to.equal(1);
    if (!res.destroyed) await once(res, 'close');
    await waitFor(() => afterOneTick !== undefined, "the response's close", 2000, 1);
    expect(afterOneTick).to.equal(0);
    expect(clock.emitter.running).to.equal(false);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(new URL('/nope', clock.url))).status).to.equal(404);
    const post = await fetch(clock.url, { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('GET, HEAD');
    expect(clock.emitter.running).to.equal(false);
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
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const exited = once(child, 'exit');
      await waitFor(() => stdout.includes('\n'), 'the URL line', 15_000, 20);
      const url = /^Comet clock running at (http:\/\/127\.0\.0\.1:\d+\/)\n$/.exec(stdout)?.[1];
      expect(url, stdout).to.be.a('string');
      expect((await fetch(url!)).status).to.equal(200);

      const stream = http.get(new URL(STREAM_PATH, url));
      stream.on('error', () => {});
      const [incoming] = (await once(stream, 'response')) as [http.IncomingMessage];
      await once(incoming, 'data');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      expect(code).to.equal(0);
      expect(stdout.split('\n')).to.deep.equal([`Comet clock running at ${url}`, '']);
      stream.destroy();
    });
  }
});
