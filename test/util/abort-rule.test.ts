/**
 * The one abort-reason rule (src/util/abort.ts), checked across every public function that takes a
 * `signal`: each source adapter and `pushQueue`, a hub subscription, `hub.serve` and every transport
 * give the same outcome for the same reason, whether the signal aborts while they wait or had
 * aborted before they were called.
 */
import { expect } from 'chai';
import { EventEmitter, getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import highland from 'highland';
import { NEVER } from 'rxjs';
import * as lib from '../../src/index.js';
import { ScriptedResponse, scriptedReply, scriptedRequest, scriptedSource } from '../support/scripted.js';
import { ScriptPublisher } from '../source/fixtures/harnesses.js';

/** How a call ended: it rejected (or failed) with `error`, or ended cleanly. */
type Outcome = { readonly error: unknown } | { readonly clean: true };

const clean: Outcome = { clean: true };

function settle(promise: Promise<unknown>, cleanly: (value: unknown) => boolean): Promise<Outcome> {
  return promise.then(
    (value) => (cleanly(value) ? clean : { error: new Error(`not an abort outcome: ${String(value)}`) }),
    (error: unknown) => ({ error }),
  );
}

/** One `next()` of an iterator: rejected with the reason, or (wrongly, for a source) done. */
function nextOf(iterator: AsyncIterator<unknown>): Promise<Outcome> {
  return settle(iterator.next(), (result) => (result as IteratorResult<unknown>).done === true);
}

/** A web stream's first read: errored, or closed (a shutdown). */
function readOf(stream: ReadableStream<Uint8Array> | null): Promise<Outcome> {
  return settle(stream!.getReader().read(), (result) => (result as ReadableStreamReadResult<Uint8Array>).done);
}

/** `reply.comet` never rejects: a failed stream is logged and resolves `'failed'`. */
function replyComet(signal: AbortSignal): Promise<Outcome> {
  const { comet, logged } = scriptedReply();
  return comet(scriptedSource().source, { signal }).then((result) =>
    result === 'failed' ? { error: logged[0] } : result === 'shutdown' ? clean : { error: new Error(`reply.comet resolved ${result}`) },
  );
}

/** Starts each public function with `signal` and gives how it ends. */
const SOURCES: Record<string, (signal: AbortSignal) => Promise<Outcome>> = {
  pushQueue: (signal) => nextOf(lib.pushQueue(() => {}, { signal })),
  fromEventEmitter: (signal) => nextOf(lib.fromEventEmitter(new EventEmitter(), 'data', { signal })),
  fromReadable: (signal) => nextOf(lib.fromReadable(new Readable({ read() {} }), { signal })),
  fromHighland: (signal) => nextOf(lib.fromHighland(highland<string>() as unknown as lib.HighlandStreamLike<string>, { signal })),
  fromObservable: (signal) => nextOf(lib.fromObservable(NEVER, { signal })),
  fromPublisher: (signal) => nextOf(lib.fromPublisher(new ScriptPublisher(), { signal })),
  'createHub().subscribe': (signal) => nextOf(lib.createHub<string>().subscribe({ signal })),
};

const TRANSPORTS: Record<string, (signal: AbortSignal) => Promise<Outcome>> = {
  sendComet: (signal) => settle(lib.sendComet(new ScriptedResponse().asResponse(), scriptedSource().source, { signal }), (r) => r === 'shutdown'),
  sendSSE: (signal) => settle(lib.sendSSE(new ScriptedResponse().asResponse(), scriptedSource().source, { signal }), (r) => r === 'shutdown'),
  toWebStream: (signal) => readOf(lib.toWebStream(scriptedSource().source, { signal })),
  cometResponse: (signal) => readOf(lib.cometResponse(scriptedSource().source, { signal }).body),
  sseResponse: (signal) => readOf(lib.sseResponse(scriptedSource().source, { signal }).body),
  toNodeReadable: (signal) =>
    new Promise((resolve) => {
      const readable = lib.toNodeReadable(scriptedSource().source, { signal });
      readable.on('error', (error) => resolve({ error }));
      readable.on('end', () => resolve(clean));
      readable.resume();
    }),
  'reply.comet': replyComet,
  'hub.serve (Comet)': (signal) =>
    settle(lib.cometHub('parent.m').serve(scriptedRequest(), new ScriptedResponse().asResponse(), { signal }), (r) => r === 'shutdown'),
  'hub.serve (SSE)': (signal) =>
    settle(lib.cometHub('parent.m').serve(scriptedRequest('text/event-stream'), new ScriptedResponse().asResponse(), { signal }), (r) => r === 'shutdown'),
};

/** What the rule makes of each reason: the error expected (for a transport, `clean` for a plain abort). */
interface Case {
  readonly name: string;
  /** The reason given to `abort()` (`none`: called without one). */
  readonly reason: unknown;
  /** Checks a failure's error against the signal's own reason. */
  check(error: unknown, signalReason: unknown): void;
  /** A transport ends cleanly instead of failing. */
  readonly shutdown: boolean;
}

const NONE = Symbol('no reason');

const CASES: Case[] = [
  {
    name: "a string ('bye')",
    reason: 'bye',
    check: (error) => {
      expect(error).to.be.instanceOf(Error);
      expect(error).to.include({ name: 'AbortError', message: 'bye', cause: 'bye' });
    },
    shutdown: false,
  },
  {
    name: 'a number (0)',
    reason: 0,
    check: (error) => {
      expect(error).to.be.instanceOf(Error);
      expect(error).to.include({ name: 'AbortError', message: '0', cause: 0 });
    },
    shutdown: false,
  },
  {
    name: 'an Error',
    reason: new RangeError('gone'),
    check: (error, reason) => expect(error).to.equal(reason),
    shutdown: false,
  },
  {
    name: "a DOMException named 'TimeoutError' (as AbortSignal.timeout() gives)",
    reason: new DOMException('late', 'TimeoutError'),
    check: (error, reason) => {
      expect(error).to.equal(reason);
      expect(error).to.be.instanceOf(Error);
    },
    shutdown: false,
  },
  {
    name: "none (controller.abort(): a DOMException named 'AbortError')",
    reason: NONE,
    check: (error, reason) => {
      expect(error).to.equal(reason);
      expect(error).to.be.instanceOf(DOMException).and.instanceOf(Error).and.have.property('name', 'AbortError');
    },
    shutdown: true,
  },
];

function abort(controller: AbortController, reason: unknown): void {
  if (reason === NONE) controller.abort();
  else controller.abort(reason);
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the abort-reason rule, across every function that takes a signal', () => {
  for (const [group, table] of [['source', SOURCES], ['transport', TRANSPORTS]] as const) {
    for (const [name, start] of Object.entries(table)) {
      describe(`${name} (${group})`, () => {
        for (const c of CASES) {
          const expectation = group === 'transport' && c.shutdown ? 'ends cleanly (a shutdown)' : 'fails with the rule’s error';
          it(`aborted with ${c.name} while it waits: ${expectation}, leaving no abort listener`, async () => {
            const controller = new AbortController();
            const outcome = start(controller.signal);
            await turn();
            abort(controller, c.reason);
            const result = await outcome;
            if (group === 'transport' && c.shutdown) expect(result).to.deep.equal(clean);
            else c.check((result as { error?: unknown }).error, controller.signal.reason);
            expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
          });

          it(`already aborted with ${c.name}: the same`, async () => {
            const controller = new AbortController();
            abort(controller, c.reason);
            const result = await start(controller.signal);
            if (group === 'transport' && c.shutdown) expect(result).to.deep.equal(clean);
            else c.check((result as { error?: unknown }).error, controller.signal.reason);
          });
        }
      });
    }
  }
});
