/**
 * Fastify integration: a plugin adding `reply.comet(chunks, options?)`. It needs nothing from
 * Fastify at run time; the shapes below are the few members it uses.
 */
import type { ServerResponse } from 'node:http';
import type { HeaderValue } from './chunk.js';
import { describe, isObjectLike } from '../util/args.js';
import { startStream, type SendCometOptions, type SendCometResult } from './send-comet.js';

/** The members of a Fastify reply that `reply.comet` uses. */
export interface CometFastifyReply {
  /** The Node response the stream is written to. */
  readonly raw: ServerResponse;
  /** Tells Fastify that the handler answers on `raw` itself. */
  hijack(): unknown;
  /** Headers set so far with `reply.header()`, kept on the stream. */
  getHeaders(): Record<string, HeaderValue | undefined>;
  /** Where a failed stream is reported. */
  readonly log: { error(object: unknown, message?: string): void };
}

/** The members of a Fastify instance that the plugin uses. */
export interface CometFastifyInstance {
  /** Adds `reply.comet`. */
  decorateReply(name: string, value: unknown): unknown;
  /** Ends the open streams when the app closes. */
  addHook(name: 'preClose', hook: (done: () => void) => void): unknown;
}

/** How `reply.comet` ended: as `sendComet` resolves, or `'failed'` (logged, never a rejection). */
export type ReplyCometResult = SendCometResult | 'failed';

/**
 * What the plugin adds to every reply. Importing `comet-bridge/fastify` declares it on Fastify's
 * `FastifyReply` for you.
 */
export interface CometReplyMethod {
  /**
   * Streams `chunks` as a Comet response from a Fastify reply: hijacks the reply (so Fastify sends
   * nothing itself and its handler timeout no longer applies), then runs `sendComet` on
   * `reply.raw`. Headers already set with `reply.header()` (CORS, for instance) and the status set
   * with `reply.code()` are kept; `cometHeaders` fill in the rest and `options.headers` win. A HEAD
   * request (Fastify answers HEAD on GET routes) gets the headers and an ended response at once.
   * When the app closes (`app.close()`), every open stream ends cleanly (a shutdown: the promise
   * resolves `'shutdown'`), so the close does not wait for clients.
   *
   * The returned promise never rejects: a source failure destroys the response (the client sees an
   * incomplete response), is logged with `reply.log.error` and resolves `'failed'`, so a handler may
   * start the stream without awaiting it.
   *
   * @param chunks - strings and/or Uint8Arrays, e.g. `Comet.string('parent.tick')(ticks)`
   * @param options - as `sendComet`'s
   * @throws TypeError / RangeError (synchronously, after calling the source's `return()` and before
   *   the reply is taken over) for bad arguments
   */
  comet(chunks: AsyncIterable<string | Uint8Array>, options?: SendCometOptions): Promise<ReplyCometResult>;
}

const where = 'reply.comet';

function comet(
  reply: CometFastifyReply,
  chunks: AsyncIterable<string | Uint8Array>,
  options: SendCometOptions | undefined,
  shutdown: AbortSignal,
): Promise<ReplyCometResult> {
  const headers: Record<string, HeaderValue> = {};
  const set = reply.getHeaders();
  for (const name in set) if (set[name] !== undefined) headers[name] = set[name]!;
  const extra = options?.headers;
  const merged =
    options === undefined ? { headers }
    : isObjectLike(options) && (extra === undefined || isObjectLike(extra)) ? { ...options, headers: { ...headers, ...extra } }
    : options; // not an object: refused by startStream
  const started = startStream(where, reply.raw, chunks, merged, shutdown);
  reply.hijack();
  return started.catch((error: unknown) => {
    reply.log.error({ err: error }, 'comet stream failed');
    return 'failed' as const;
  });
}

/**
 * The Fastify plugin: adds {@link CometReplyMethod | reply.comet}, and a `preClose` hook that ends
 * every open Comet stream of the app cleanly when it closes. Register it once, on the root
 * instance or any encapsulated context (it is marked to skip encapsulation, as `fastify-plugin`
 * would, so the decorator is visible to every route of the instance it is registered on). Import
 * it from `comet-bridge/fastify` to have `reply.comet` typed:
 * ```ts
 * import { cometFastify } from 'comet-bridge/fastify';
 * const app = Fastify();
 * await app.register(cometFastify);
 * app.get('/comet', (request, reply) => reply.comet(Comet.string('parent.tick')(ticks), { heartbeatMs: 15_000 }));
 * ```
 * @param instance - the Fastify instance
 * @param _options - unused
 * @param done - called once the decorator and hook are in place
 */
export function cometFastify(instance: CometFastifyInstance, _options: unknown, done: (error?: Error) => void): void {
  if (!isObjectLike(instance) || typeof instance.addHook !== 'function' || typeof instance.decorateReply !== 'function') {
    throw new TypeError(`cometFastify: instance must be a Fastify instance (register it with app.register(cometFastify)), got ${describe(instance)}`);
  }
  const closing = new AbortController();
  instance.addHook('preClose', (hookDone) => {
    closing.abort();
    hookDone();
  });
  instance.decorateReply('comet', function (this: CometFastifyReply, chunks: AsyncIterable<string | Uint8Array>, options?: SendCometOptions) {
    return comet(this, chunks, options, closing.signal);
  });
  done();
}

Object.defineProperties(cometFastify, {
  [Symbol.for('skip-override')]: { value: true },
  [Symbol.for('fastify.display-name')]: { value: 'comet-bridge' },
  [Symbol.for('plugin-meta')]: { value: { name: 'comet-bridge', fastify: '>=4' } },
});
