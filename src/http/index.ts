/**
 * Transports: Comet chunks to a Node `ServerResponse`, a web `Response` or `ReadableStream`,
 * a Node `Readable`, and a Fastify plugin, all read by one chunk reader.
 */
export type { CometChunk, HeaderValue, StreamFormat } from './chunk.js';
export type { CleanEnd, StreamOptions } from './options.js';
export { sendComet } from './send-comet.js';
export type { SendCometOptions, SendCometResult } from './send-comet.js';
export { cometResponse, toWebStream } from './comet-response.js';
export type { CometResponseInit, WebStreamOptions } from './comet-response.js';
export { toNodeReadable } from './node-readable.js';
export type { NodeReadableOptions } from './node-readable.js';
export type { CometFastifyInstance, CometFastifyReply, CometReplyMethod, ReplyCometResult } from './fastify.js';
export { sendSSE, stopSSE } from './send-sse.js';
export type { SendSSEOptions, SendSSEResult } from './send-sse.js';
export { sseResponse } from './sse-response.js';
export type { SSEResponseInit } from './sse-response.js';
