/**
 * One rule for every number a public function takes, checked across all of them: a value that is
 * not a number (here the string `'1000'`, as a config file or a query string gives) is a TypeError,
 * a number out of range a RangeError; both at the call, naming the function and the option.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { NEVER } from 'rxjs';
import * as lib from '../../src/index.js';
import { ScriptedResponse, scriptedReply, scriptedRequest, scriptedSource } from '../support/scripted.js';
import { ScriptPublisher } from '../source/fixtures/harnesses.js';

/** One numeric argument or option of a public function. */
interface Row {
  /** The public function, as its messages name it. */
  readonly where: string;
  /** The argument or option, as its messages name it. */
  readonly option: string;
  /** A number out of this option's range. */
  readonly outOfRange: number;
  /** Calls the function with `value` as the option. */
  call(value: unknown): unknown;
}

/** Every transport takes the same three numbers. */
function transportRows(where: string, start: (options: object) => unknown): Row[] {
  return [
    { where, option: 'heartbeatMs', outOfRange: -1, call: (v) => start({ heartbeatMs: v }) },
    { where, option: 'maxBytes', outOfRange: 0, call: (v) => start({ maxBytes: v }) },
    { where, option: 'maxAgeMs', outOfRange: 2 ** 31, call: (v) => start({ maxAgeMs: v }) },
  ];
}

/** Options of createRedisHub besides the one under test; the client is never reached: the numbers are checked first. */
const redis = (options: object): unknown => lib.createRedisHub({ channel: 'numbers', client: {} as never, ...options });

const ROWS: Row[] = [
  // sources
  { where: 'pushQueue', option: 'options.buffer.limit', outOfRange: 0, call: (v) => lib.pushQueue(() => {}, { buffer: { limit: v as number } }) },
  { where: 'fromEventEmitter', option: 'options.buffer.limit', outOfRange: 1.5, call: (v) => lib.fromEventEmitter(new EventEmitter(), 'data', { buffer: { limit: v as number } }) },
  { where: 'fromObservable', option: 'options.buffer.limit', outOfRange: -1, call: (v) => lib.fromObservable(NEVER, { buffer: { limit: v as number } }) },
  { where: 'fromPublisher', option: 'options.prefetch', outOfRange: Infinity, call: (v) => lib.fromPublisher(new ScriptPublisher(), { prefetch: v as number }) },
  // encoders
  { where: 'Comet.string', option: 'options.maxMessageBytes', outOfRange: 0, call: (v) => lib.Comet.string('cb', { maxMessageBytes: v as number }) },
  { where: 'Comet.json', option: 'options.maxMessageBytes', outOfRange: -5, call: (v) => lib.Comet.json('cb', { maxMessageBytes: v as number }) },
  { where: 'Comet.json', option: 'options.maxDepth', outOfRange: 0, call: (v) => lib.Comet.json('cb', { maxDepth: v as number }) },
  { where: 'Comet.flow', option: 'options.maxMessageBytes', outOfRange: NaN, call: (v) => lib.Comet.flow('cb', { maxMessageBytes: v as number }) },
  { where: 'Comet.encoder', option: 'options.maxMessageBytes', outOfRange: 0, call: (v) => lib.Comet.encoder('json', 'cb', { maxMessageBytes: v as number }) },
  { where: 'Comet.encoder', option: 'a message id', outOfRange: -1, call: (v) => lib.Comet.encoder('json', 'cb').encode(1, 0, v as number) },
  { where: 'SSE.json', option: 'options.retry', outOfRange: -1, call: (v) => lib.SSE.json({ retry: v as number }) },
  { where: 'SSE.json', option: 'options.retryJitter', outOfRange: 0.5, call: (v) => lib.SSE.json({ retry: 1000, retryJitter: v as number }) },
  { where: 'SSE.string', option: 'options.retry', outOfRange: 1.5, call: (v) => lib.SSE.string({ retry: v as number }) },
  { where: 'SSE.encoder', option: 'options.retry', outOfRange: Infinity, call: (v) => lib.SSE.encoder('json', { retry: v as number }) },
  // transports
  ...transportRows('sendComet', (o) => lib.sendComet(new ScriptedResponse().asResponse(), scriptedSource().source, o)),
  ...transportRows('sendSSE', (o) => lib.sendSSE(new ScriptedResponse().asResponse(), scriptedSource().source, o)),
  ...transportRows('toWebStream', (o) => lib.toWebStream(scriptedSource().source, o)),
  ...transportRows('cometResponse', (o) => lib.cometResponse(scriptedSource().source, o)),
  ...transportRows('sseResponse', (o) => lib.sseResponse(scriptedSource().source, o)),
  ...transportRows('toNodeReadable', (o) => lib.toNodeReadable(scriptedSource().source, o)),
  ...transportRows('reply.comet', (o) => scriptedReply().comet(scriptedSource().source, o)),
  // hubs
  { where: 'createHub', option: 'history', outOfRange: -1, call: (v) => lib.createHub({ history: v as number }) },
  { where: 'createHub', option: 'limit', outOfRange: 0, call: (v) => lib.createHub({ limit: v as number }) },
  { where: 'cometHub', option: 'history', outOfRange: 0.5, call: (v) => lib.cometHub('parent.m', { history: v as number }) },
  { where: 'cometHub', option: 'limit', outOfRange: -1, call: (v) => lib.cometHub('parent.m', { limit: v as number }) },
  { where: 'cometHub', option: 'options.maxMessageBytes', outOfRange: 0, call: (v) => lib.cometHub('parent.m', { maxMessageBytes: v as number }) },
  { where: 'cometEncoding', option: 'options.maxMessageBytes', outOfRange: 0, call: (v) => lib.cometEncoding('parent.m', { maxMessageBytes: v as number }) },
  { where: 'subscribe', option: 'limit', outOfRange: 0, call: (v) => lib.createHub().subscribe({ limit: v as number }) },
  { where: 'subscribe', option: 'since', outOfRange: -1, call: (v) => lib.createHub().subscribe({ since: v as number }) },
  { where: 'hub.serve', option: 'options.retry', outOfRange: -1, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest('text/event-stream'), new ScriptedResponse().asResponse(), { retry: v as number }) },
  { where: 'hub.serve', option: 'maxBytes', outOfRange: 0, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest(), new ScriptedResponse().asResponse(), { maxBytes: v as number }) },
  // hub.serve checks what it hands to the subscription and the transport itself, under its own name
  { where: 'hub.serve', option: 'limit', outOfRange: 0, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest(), new ScriptedResponse().asResponse(), { limit: v as number }) },
  { where: 'hub.serve', option: 'heartbeatMs', outOfRange: -1, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest('text/event-stream'), new ScriptedResponse().asResponse(), { heartbeatMs: v as number }) },
  { where: 'hub.serve', option: 'heartbeatMs', outOfRange: -1, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest(), new ScriptedResponse().asResponse(), { heartbeatMs: v as number }) },
  { where: 'hub.serve', option: 'maxAgeMs', outOfRange: -1, call: (v) => lib.cometHub('parent.m').serve(scriptedRequest(), new ScriptedResponse().asResponse(), { maxAgeMs: v as number }) },
  { where: 'createRedisHub', option: 'history', outOfRange: -1, call: (v) => redis({ history: v }) },
  { where: 'createRedisHub', option: 'limit', outOfRange: 0, call: (v) => redis({ limit: v }) },
  { where: 'createRedisHub', option: 'streamLength', outOfRange: -1, call: (v) => redis({ streamLength: v }) },
  { where: 'createRedisHub', option: 'publishTimeoutMs', outOfRange: 0, call: (v) => redis({ publishTimeoutMs: v }) },
  { where: 'createRedisHub', option: 'healthCheckMs', outOfRange: -1, call: (v) => redis({ healthCheckMs: v }) },
  { where: 'createRedisHub', option: 'maxOutageMs', outOfRange: 2 ** 31, call: (v) => redis({ maxOutageMs: v }) },
  // the deprecated API (each warns once, as any use of it does)
  { where: 'Enumeratee.take', option: 'count', outOfRange: -1, call: (v) => lib.Enumeratee.take(v as number) },
  { where: 'Enumeratee.drop', option: 'count', outOfRange: 1.5, call: (v) => lib.Enumeratee.drop(v as number) },
  { where: 'Streams.publisherToEnumerator', option: 'options.prefetch', outOfRange: 0, call: (v) => lib.Streams.publisherToEnumerator(new ScriptPublisher(), { prefetch: v as number }) },
  { where: 'Concurrent.broadcast', option: 'options.buffer.limit', outOfRange: 0, call: (v) => lib.Concurrent.broadcast({ buffer: { limit: v as number } }) },
  { where: 'Concurrent.unicast', option: 'options.buffer.limit', outOfRange: 0, call: (v) => lib.Concurrent.unicast(() => {}, undefined, undefined, { buffer: { limit: v as number } }) },
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What `call` threw, synchronously (a rejected promise is not the rule: the call itself must throw). */
function thrown(row: Row, value: unknown): unknown {
  try {
    row.call(value);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRefused(row: Row, value: unknown, type: typeof TypeError | typeof RangeError): void {
  const error = thrown(row, value);
  expect(error, `${row.where} ${row.option} = ${String(value)}`).to.be.instanceOf(type);
  expect((error as Error).message).to.match(new RegExp(`^${escape(row.where)}: ${escape(row.option)} must be `));
}

function suite(rows: Row[]): void {
  for (const row of rows) {
    it(`${row.where} ${row.option}: '1000' is a TypeError, ${String(row.outOfRange)} a RangeError`, () => {
      expectRefused(row, '1000', TypeError);
      expectRefused(row, row.outOfRange, RangeError);
    });
  }
}

describe('numbers: TypeError for a non-number, RangeError for a number out of range, everywhere', () => {
  suite(ROWS);

  it('the same for null, a boolean and a bigint', () => {
    for (const row of ROWS) for (const value of [null, true, 10n]) expectRefused(row, value, TypeError);
  });

  it("names the value: TypeError `got a string`, RangeError the number itself", () => {
    expect(thrown(ROWS[0]!, '1000')).to.have.property('message', 'pushQueue: options.buffer.limit must be a positive integer or Infinity, got a string');
    expect(thrown(ROWS[0]!, 2 ** 60)).to.have.property('message', 'pushQueue: options.buffer.limit must be a positive integer or Infinity, got 1152921504606846976');
  });
});
