/**
 * Faults on one stream must stay on that stream: sources that throw (asynchronously or from next()
 * itself), emit 'error', destroy themselves or never end; clients that reset the socket while the
 * server writes; a write that fails with EPIPE. Each failed response is destroyed (the client sees an
 * incomplete chunked body, never a clean end), sendComet settles, the source is torn down, other
 * clients get their whole streams, and nothing reaches the process's uncaughtException or
 * unhandledRejection handlers.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { Comet, fromEventEmitter, fromReadable, sendComet } from '../../src/index.js';
import { connect, getRequest, parseChunked, processGuard, Random, socketCount } from './fixtures/helpers.js';
import { turn, until } from '../support/timing.js';
import { listen, type Listening } from '../support/loopback.js';

const CB = 'parent.cometMessage';
const SEED = 0xfa0175;
const encoder = Comet.encoder<unknown>('json', CB);
const message = (n: number): { n: number; text: string } => ({ n, text: `message ${n} </script><!-- \u2028` });
/** The exact body of a stream that delivered messages 0..k-1. */
const bodyOf = (k: number): string => Comet.initialHtmlChunk + Array.from({ length: k }, (_, i) => encoder.encode(message(i))).join('');

interface Outcome {
  res: ServerResponse;
  settled: 'pending' | 'resolved' | 'rejected';
  error?: unknown;
  tornDown: boolean;
  socketErrors: string[];
}

/** Sources that fail in one way each, after `at` messages. */
function faultySource(kind: string, at: number, outcome: Outcome, signal: AbortSignal): AsyncIterable<unknown> {
  const tearDown = (): void => {
    outcome.tornDown = true;
  };
  switch (kind) {
    case 'throw':
      return (async function* () {
        try {
          for (let i = 0; i < at; i++) {
            await turn();
            yield message(i);
          }
          throw new Error(`source failed after ${at}`);
        } finally {
          tearDown();
        }
      })();
    case 'throw-sync': {
      let i = 0;
      return {
        [Symbol.asyncIterator]() {
          return {
            next: () => {
              if (i === at) {
                // like for-await, the consumer does not call return() on an iterator whose next() threw
                tearDown();
                throw new Error(`next() threw after ${at}`);
              }
              return Promise.resolve({ done: false, value: message(i++) });
            },
            return: () => {
              tearDown();
              return Promise.resolve({ done: true, value: undefined });
            },
          };
        },
      };
    }
    case 'emit-error': {
      const emitter = new EventEmitter();
      const source = fromEventEmitter(emitter, 'message');
      void (async () => {
        for (let i = 0; i < at; i++) emitter.emit('message', message(i));
        await turn();
        emitter.emit('error', new Error(`emitter failed after ${at}`));
        const listeners = (): number => emitter.listenerCount('message') + emitter.listenerCount('error') + emitter.listenerCount('end');
        for (let i = 0; i < 100 && listeners() > 0; i++) await turn();
        outcome.tornDown = listeners() === 0;
      })();
      return source;
    }
    case 'destroy-error':
    case 'destroy': {
      let i = 0;
      const readable = new Readable({
        objectMode: true,
        read() {
          if (i < at) this.push(message(i++));
          else setImmediate(() => this.destroy(kind === 'destroy' ? undefined : new Error(`stream destroyed after ${at}`)));
        },
      });
      readable.on('close', tearDown);
      return fromReadable(readable);
    }
    case 'never':
      return (async function* () {
        try {
          for (let i = 0; i < at; i++) yield message(i);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        } finally {
          tearDown();
        }
      })();
    default: // 'firehose': endless, large
      return (async function* () {
        try {
          for (let i = 0; ; i++) {
            if (i % 16 === 0) await turn();
            yield { n: i, text: 'x'.repeat(32 * 1024) };
          }
        } finally {
          tearDown();
        }
      })();
  }
}

describe('reliability: faults', function () {
  this.timeout(30_000);
  let loopback: Listening;
  let guard: ReturnType<typeof processGuard>;
  const outcomes = new Map<string, Outcome>();
  const stop = new AbortController();

  before(async () => {
    loopback = await listen((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const id = url.searchParams.get('id')!;
      const at = Number(url.searchParams.get('at') ?? 0);
      const kind = url.pathname.slice(1);
      const outcome: Outcome = { res, settled: 'pending', tornDown: false, socketErrors: [] };
      outcomes.set(id, outcome);
      req.socket.on('error', (e: NodeJS.ErrnoException) => outcome.socketErrors.push(e.code ?? e.message));
      const source =
        kind === 'good'
          ? (async function* () {
              for (let i = 0; i < at; i++) {
                if (i % 8 === 0) await turn();
                yield message(i);
              }
              outcome.tornDown = true;
            })()
          : faultySource(kind, at, outcome, stop.signal);
      const abort = url.searchParams.get('abort');
      const signal = abort ? AbortSignal.timeout(Number(abort)) : undefined;
      if (kind === 'epipe') {
        setTimeout(() => {
          const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
          res.socket?.destroy(error);
        }, 5);
      }
      sendComet(res, Comet.json(CB)(source as AsyncIterable<unknown>), signal ? { signal } : {}).then(
        () => (outcome.settled = 'resolved'),
        (error: unknown) => {
          outcome.settled = 'rejected';
          outcome.error = error;
        },
      );
    }, { backlog: 1024 });
    guard = processGuard();
  });

  after(async () => {
    stop.abort();
    guard.dispose();
    await loopback.close();
  });

  /** Requests `path`, reads until the server closes or `leave` says to go; returns what arrived. */
  async function fetchRaw(path: string, leave?: (received: number) => 'destroy' | 'reset' | undefined): Promise<string> {
    const socket = await connect(loopback.port);
    socket.on('error', () => {});
    let raw = '';
    socket.on('data', (data: Buffer) => {
      raw += data.toString('latin1');
      const how = leave?.(raw.length);
      if (how === 'reset') socket.resetAndDestroy();
      else if (how === 'destroy') socket.destroy();
    });
    socket.write(getRequest(path));
    // a clean chunked end does not close a keep-alive connection: stop at the terminating chunk
    await new Promise<void>((resolve) => {
      socket.on('close', () => resolve());
      socket.on('data', () => {
        if (raw.endsWith('\r\n0\r\n\r\n')) socket.destroy();
      });
    });
    return raw;
  }

  const good = (id: string, n: number): Promise<void> =>
    fetchRaw(`/good?id=${id}&at=${n}`).then((raw) => {
      const { body, complete } = parseChunked(raw);
      expect(complete, `good stream ${id} completed`).to.equal(true);
      expect(body, `good stream ${id} body`).to.equal(bodyOf(n));
    });

  it('sources that throw, emit error or destroy themselves fail only their own response', async () => {
    const rng = new Random(SEED);
    const kinds = ['throw', 'throw-sync', 'emit-error', 'destroy-error'];
    const cases = Array.from({ length: 40 }, (_, i) => ({ id: `f${i}`, kind: kinds[i % kinds.length]!, at: rng.int(0, 12) }));
    const goods = Array.from({ length: 6 }, (_, i) => good(`g${i}`, 300));
    const raws = await Promise.all(cases.map((c) => fetchRaw(`/${c.kind}?id=${c.id}&at=${c.at}`)));
    await Promise.all(goods);
    for (const [i, c] of cases.entries()) {
      const { body, complete } = parseChunked(raws[i]!);
      const o = outcomes.get(c.id)!;
      const what = `${c.kind} after ${c.at}`;
      expect(complete, `${what}: client saw a clean end`).to.equal(false);
      expect(body, `${what}: whole chunks up to the failure`).to.equal(bodyOf(c.at));
      await until(() => o.settled !== 'pending', { what: `${what}: sendComet to settle` });
      expect(o.settled, what).to.equal('rejected');
      expect((o.error as Error).message, what).to.match(/after \d+|threw after/);
      expect(o.res.destroyed, `${what}: response destroyed`).to.equal(true);
      expect(o.res.writableFinished, `${what}: response not finished`).to.equal(false);
      await until(() => o.tornDown, { what: `${what}: source torn down` });
    }
    expect(guard.errors).to.deep.equal([]);
  });

  it('a stream destroyed without error ends cleanly; a never-ending one ends on abort or disconnect', async () => {
    const clean = await fetchRaw('/destroy?id=d1&at=5');
    expect(parseChunked(clean)).to.deep.include({ complete: true, body: bodyOf(5) });
    await until(() => outcomes.get('d1')!.settled === 'resolved', { what: 'clean end to resolve' });

    const aborted = await fetchRaw('/never?id=n1&at=3&abort=30');
    expect(parseChunked(aborted)).to.deep.include({ complete: false, body: bodyOf(3) });
    const n1 = outcomes.get('n1')!;
    await until(() => n1.settled === 'rejected', { what: 'abort to reject' });
    expect((n1.error as Error).name).to.equal('TimeoutError');
    expect(n1.res.destroyed).to.equal(true);

    await fetchRaw('/never?id=n2&at=2', (received) => (received > Comet.initialHtmlChunk.length ? 'destroy' : undefined));
    const n2 = outcomes.get('n2')!;
    await until(() => n2.settled === 'resolved' && n2.res.destroyed, { what: 'disconnect to resolve' });
    expect(n2.res.writableFinished).to.equal(false);
    stop.abort(); // lets the never-ending generators' pending await settle, so their finally blocks run
    await until(() => n1.tornDown && n2.tornDown, { what: 'never-ending sources torn down' });
    expect(guard.errors).to.deep.equal([]);
  });

  it('clients that reset mid-write and a write failing with EPIPE leave the server serving others', async () => {
    const rng = new Random(SEED + 1);
    const goods = Array.from({ length: 4 }, (_, i) => good(`h${i}`, 500));
    const resets = Array.from({ length: 20 }, (_, i) => {
      const after = rng.int(1, 400_000);
      return fetchRaw(`/firehose?id=r${i}`, (received) => (received >= after ? 'reset' : undefined));
    });
    const epipes = Array.from({ length: 5 }, (_, i) => fetchRaw(`/epipe?id=e${i}`));
    await Promise.all([...goods, ...resets, ...epipes]);
    for (const id of [...Array.from({ length: 20 }, (_, i) => `r${i}`), ...Array.from({ length: 5 }, (_, i) => `e${i}`)]) {
      const o = outcomes.get(id)!;
      await until(() => o.settled !== 'pending' && o.tornDown, { what: `${id}: sendComet to settle and the source to be torn down` });
      expect(o.res.destroyed, `${id}: response destroyed`).to.equal(true);
      expect(o.res.writableFinished, `${id}: response not finished`).to.equal(false);
    }
    const resetCodes = Array.from({ length: 20 }, (_, i) => outcomes.get(`r${i}`)!.socketErrors).flat();
    expect(resetCodes.length, 'server sockets that saw the reset').to.be.greaterThan(0);
    expect(resetCodes.filter((c) => c !== 'ECONNRESET' && c !== 'EPIPE')).to.deep.equal([]);
    const epipeCodes = Array.from({ length: 5 }, (_, i) => outcomes.get(`e${i}`)!.socketErrors).flat();
    expect(epipeCodes).to.include('EPIPE');
    await until(async () => (await socketCount(loopback.server)) === 0, { what: '0 open sockets' });
    expect(guard.errors).to.deep.equal([]);
  });
});
