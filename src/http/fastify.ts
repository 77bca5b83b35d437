/**
 * Fastify integration: a plugin adding `reply.comet(chunks, options?)`. It needs nothing from
 * Fastify at run time; the shapes below are the few members it uses.
 */
import type { ServerResponse } from 'node:http';
import type { HeaderValue } from './chunk.js';
import { sendComet, type SendCometOptions } from './send-comet.js';

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
}

/**
 * What the plugin adds to every reply. Declare it on Fastify's reply type to have it typed:
 * ```ts
 * declare module 'fastify' {
 *   interface FastifyReply { comet(chunks: AsyncIterable<string | Uint8Array>, options?: SendCometOptions): Promise<void> }
 * }
 * ```
 */
export interface CometReplyMethod {
  comet(chunks: AsyncIterable<string | Uint8Array>, options?: SendCometOptions): Promise<void>;
}

/**
 * Streams `chunks` as a Comet response from a Fastify reply: hijacks the reply (so Fastify sends
 * nothing itself and its handler timeout no longer applies), then runs {@link sendComet} on
 * `reply.raw`. Headers already set with `reply.header()` (CORS, for instance) and the status set
 * with `reply.code()` are kept; {@link cometHeaders} fill in the rest and `options.headers` win.
 *
 * The returned promise resolves when the stream ends or the client leaves, and never rejects: a
 * source failure destroys the response (the client sees an incomplete response) and is logged
 * with `reply.log.error`, so a handler may start the stream without awaiting it.
 *
 * @param chunks - strings and/or Uint8Arrays, e.g. `Comet.string('parent.tick')(ticks)`
 * @param options - as {@link sendComet}'s: `heartbeatMs`, `signal`, extra `headers`
 * @throws TypeError / RangeError (synchronously, before the reply is taken over) for bad arguments
 */
function comet(
  this: CometFastifyReply,
  chunks: AsyncIterable<string | Uint8Array>,
  options: SendCometOptions = {},
): Promise<void> {
  if (options === null || typeof options !== 'object') throw new TypeError('reply.comet: options must be an object');
  const headers: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(this.getHeaders())) if (value !== undefined) headers[name] = value;
  const started = sendComet(this.raw, chunks, { ...options, headers: { ...headers, ...options.headers } });
  this.hijack();
  return started.catch((error: unknown) => {
    this.log.error({ err: error }, 'comet stream failed');
  });
}

/**
 * The Fastify plugin. Register it once, on the root instance or any encapsulated context (it is
 * marked to skip encapsulation, as `fastify-plugin` would, so the decorator is visible to every
 * route of the instance it is registered on):
 * ```ts
 * const app = Fastify();
 * await app.register(cometFastify);
 * app.get('/comet', (request, reply) => reply.comet(Comet.string('parent.tick')(ticks), { heartbeatMs: 15_000 }));
 * ```
 * @param instance - the Fastify instance
 * @param _options - unused
 * @param done - called once the decorator is in place
 */
export function cometFastify(instance: CometFastifyInstance, _options: unknown, done: (error?: Error) => void): void {
  instance.decorateReply('comet', comet);
  done();
}

Object.defineProperties(cometFastify, {
  [Symbol.for('skip-override')]: { value: true },
  [Symbol.for('fastify.display-name')]: { value: 'comet-bridge' },
  [Symbol.for('plugin-meta')]: { value: { name: 'comet-bridge', fastify: '>=4' } },
});
