/**
 * `comet-bridge/fastify`: the Fastify plugin, with `reply.comet` declared on Fastify's
 * `FastifyReply`. An entry of its own, so that only users who import it load Fastify's types;
 * at run time it loads nothing from Fastify.
 * @packageDocumentation
 */
import type {} from 'fastify';
import type { CometReplyMethod } from './http/fastify.js';

export { cometFastify } from './http/fastify.js';
export type { CometFastifyInstance, CometFastifyReply, CometReplyMethod, ReplyCometResult } from './http/fastify.js';
export type { StreamOptions, SendCometOptions, SendCometResult } from './http/index.js';
export type { CometStreamOptions } from './deprecated.js';

declare module 'fastify' {
  interface FastifyReply {
    /** See {@link CometReplyMethod.comet}: streams `chunks` as a Comet response (added by `cometFastify`). */
    comet: CometReplyMethod['comet'];
  }
}
