/**
 * Clients that leave at random moments (no request, half a request, before the response headers,
 * after them, in the middle of a chunk, while the server waits for 'drain'), over four kinds of
 * source. Afterwards nothing may remain: no listener, subscriber, stream or generator, no open
 * socket, no pending sendComet, and the heap back within 10% of where it started.
 *
 * RELIABILITY_CYCLES sets the number of cycles (default 300; `npm run reliability` runs 10,000).
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Comet, cometHub, fromEventEmitter, fromReadable, sendComet } from '../../src/index.js';
import { connect, getRequest, heapAfterGc, processGuard, Random, socketCount } from './fixtures/helpers.js';
import { turn, until } from '../support/timing.js';
import { listen, type Listening } from '../support/loopback.js';

const CYCLES = Number(process.env.RELIABILITY_CYCLES ?? 300);
const CONCURRENCY = 8;
const SEED = 0x5eed2026;
const CB = 'parent.cometMessage';
const KINDS = ['ee', 'hub', 'readable', 'gen'] as const;
const MOMENTS = ['no-request', 'partial-request', 'before-headers', 'after-headers', 'mid-chunk', 'backpressure'] as const;
type Moment = (typeof MOMENTS)[number];

const big = (n: number, size: number): string => `${n}:`.padEnd(size, 'comet-bridge reliability ');

/** The server under test and everything it created, so the test can check it all went away. */
function streamingServer() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const hub = cometHub(CB, { policy: 'drop-oldest', limit: 32 });
  const readables = new Set<Readable>();
  const responses = new Map<string, ServerResponse>();
  const sends = { started: 0, resolved: 0, rejected: [] as unknown[] };
  let generatorsOpen = 0;

  async function* generator(): AsyncGenerator<string> {
    generatorsOpen++;
    try {
      for (let i = 0; ; i++) {
        await turn();
        yield big(i, i % 4 === 3 ? 160 * 1024 : 16 * 1024);
      }
    } finally {
      generatorsOpen--;
    }
  }

  const handler = (req: { url?: string }, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const kind = url.pathname.slice(1);
    const id = url.searchParams.get('id') ?? '';
    let chunks: AsyncIterable<string>;
    if (kind === 'ee') {
      chunks = Comet.json(CB)(fromEventEmitter(emitter, 'message', { buffer: { limit: 32, overflow: 'drop-oldest' } }));
    } else if (kind === 'hub') {
      chunks = hub.subscribe();
    } else if (kind === 'readable') {
      let i = 0;
      const readable = new Readable({ objectMode: true, highWaterMark: 4, read() { this.push(big(i, i++ % 4 === 3 ? 160 * 1024 : 16 * 1024)); } });
      readables.add(readable);
      chunks = Comet.string(CB)(fromReadable<string>(readable));
    } else {
      chunks = Comet.string(CB)(generator());
    }
    responses.set(id, res);
    res.on('close', () => responses.delete(id));
    sends.started++;
    sendComet(res, chunks).then(
      () => sends.resolved++,
      (error: unknown) => sends.rejected.push(error),
    );
  };
  const publish = (n: number, size: number): void => {
    const message = { n, text: big(n, size) };
    emitter.emit('message', message);
    hub.publish(message);
  };
  return { emitter, hub, readables, responses, sends, handler, publish, generatorsOpen: () => generatorsOpen };
}

describe('reliability: random disconnects', function () {
  this.timeout(Math.max(60_000, CYCLES * 40));
  let server: ReturnType<typeof streamingServer>;
  let loopback: Listening;
  let guard: ReturnType<typeof processGuard>;
  const reached: Record<Moment, number> = Object.fromEntries(MOMENTS.map((m) => [m, 0])) as Record<Moment, number>;

  before(async () => {
    server = streamingServer();
    loopback = await listen(server.handler, { backlog: 1024 });
    guard = processGuard();
  });

  after(async () => {
    guard.dispose();
    server.hub.close();
    await loopback.close();
  });

  /** One client: connect, go as far as a seeded moment, leave (FIN or RST); counts the moments reached. */
  async function cycle(rng: Random, n: number): Promise<void> {
    const kind = rng.pick(KINDS);
    const moment = rng.pick(MOMENTS);
    const reset = rng.next() < 0.5;
    const path = `/${kind}?id=${n}`;
    const socket = await connect(loopback.port);
    socket.on('error', () => {}); // a reset from either side is expected here
    const leave = (): void => {
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    };
    let received = '';
    let headers = false;
    const waiting = new Set<() => void>();
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (!headers && received.includes('\r\n\r\n')) headers = true;
      for (const check of waiting) check();
    });
    /** Resolves once `test` holds, checked as each chunk of the response arrives. */
    const untilReceived = (test: () => boolean, what: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`cycle ${n} (${kind}, ${moment}): timed out waiting for ${what}`));
        }, 5000);
        const check = (): void => {
          if (!test()) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      });

    try {
      if (moment === 'no-request') {
        if (rng.next() < 0.5) await turn();
        leave();
        reached[moment]++;
        return;
      }
      if (moment === 'partial-request') {
        socket.write(getRequest(path).slice(0, rng.int(1, 20)));
        await turn();
        leave();
        reached[moment]++;
        return;
      }
      socket.write(getRequest(path));
      if (moment === 'before-headers') {
        leave();
        if (!headers) reached[moment]++;
        return;
      }
      await untilReceived(() => headers, 'response headers');
      if (moment === 'after-headers') {
        leave();
        reached[moment]++;
        return;
      }
      if (moment === 'mid-chunk') {
        const start = received.length;
        const target = start + rng.int(1, 128 * 1024);
        if (kind === 'ee' || kind === 'hub') server.publish(n, 256 * 1024);
        await untilReceived(() => received.length >= target && received.lastIndexOf('<script') > received.lastIndexOf('</script>'), 'part of a chunk');
        leave();
        reached[moment]++;
        return;
      }
      // backpressure: stop reading, make the server fill the socket until write() returns false
      socket.pause();
      for (let i = 0; i < 200 && !server.responses.get(String(n))?.writableNeedDrain; i++) {
        if (kind === 'ee' || kind === 'hub') server.publish(n, 32 * 1024);
        await turn();
      }
      await until(() => server.responses.get(String(n))?.writableNeedDrain === true, { what: `backpressure on cycle ${n}` });
      reached[moment]++;
      leave();
    } finally {
      if (!socket.destroyed) socket.destroy();
    }
  }

  async function runCycles(from: number, count: number): Promise<void> {
    let next = from;
    const worker = async (): Promise<void> => {
      while (next < from + count) {
        const n = next++;
        await cycle(new Random(SEED + n), n);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  async function quiescent(): Promise<void> {
    await until(async () => (await socketCount(loopback.server)) === 0, { what: '0 open sockets' });
    await until(() => server.sends.started === server.sends.resolved + server.sends.rejected.length, { what: 'every sendComet to settle' });
    await until(() => server.emitter.listenerCount('message') === 0 && server.hub.size === 0 && server.generatorsOpen() === 0, { what: 'every source torn down' });
  }

  it(`${CYCLES} seeded connect/disconnect cycles leave no listener, socket, stream or heap growth`, async () => {
    const warmUp = Math.min(40, CYCLES);
    await runCycles(0, warmUp);
    await quiescent();
    server.readables.clear();
    const heapBefore = await heapAfterGc();

    await runCycles(warmUp, CYCLES);
    await quiescent();

    expect(await socketCount(loopback.server)).to.equal(0);
    for (const event of ['message', 'error', 'end']) expect(server.emitter.listenerCount(event), `listeners for ${event}`).to.equal(0);
    expect(server.hub.size, 'hub subscribers').to.equal(0);
    expect(server.generatorsOpen(), 'generators still open').to.equal(0);
    expect([...server.readables].filter((r) => !r.destroyed), 'readables not destroyed').to.have.length(0);
    expect(server.responses.size, 'responses not closed').to.equal(0);
    expect(server.sends.rejected, 'a client leaving is not an error').to.deep.equal([]);
    expect(server.sends.started).to.be.greaterThan(CYCLES / 2);
    expect(guard.errors, 'uncaught exceptions / unhandled rejections').to.deep.equal([]);
    // every moment was reached more than once (before-headers may race the response; most do not)
    for (const moment of MOMENTS) expect(reached[moment], `cycles that left at ${moment}`).to.be.greaterThan(CYCLES / 40);

    server.readables.clear();
    const heapAfter = await heapAfterGc();
    const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
    console.log(`      heap ${mib(heapBefore)} → ${mib(heapAfter)} MiB; left at: ${MOMENTS.map((m) => `${m} ${reached[m]}`).join(', ')}`);
    expect(heapAfter, `heap ${heapBefore} → ${heapAfter}`).to.be.at.most(heapBefore * 1.1);
  });
});
