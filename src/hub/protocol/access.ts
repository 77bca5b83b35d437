/**
 * What a request to a hub is answered, decided from the request alone (whatever the server): a
 * refusal (400, 403), a stop, or a stream of some topics from some cursor. `hub.serve` writes the
 * answer to a Node response.
 */
import { isTopic } from '../core/topic.js';
import { cometCursor, sseCursor, wantsEventStream } from './cursor.js';
import type { Cursor } from './framing.js';
import type { ProtocolRequest } from './request.js';
import { readTicket } from './ticket.js';

/** @internal How a request is answered. */
export type Answer =
  | { readonly type: 'refuse'; readonly sse: boolean; readonly status: 400 | 403; readonly reason: string }
  | { readonly type: 'stop'; readonly sse: boolean }
  | {
      readonly type: 'stream';
      readonly sse: boolean;
      readonly head: boolean;
      readonly cursor: Cursor | undefined;
      readonly topics: readonly string[];
      /** True when the request named its topics (the `open` control then lists them). */
      readonly named: boolean;
    };

/** @internal The request-level settings of `serve`: functions of the server's own request `R`. */
export interface Access<R> {
  readonly stop: boolean | ((req: R) => boolean) | undefined;
  readonly topics: ((req: R) => readonly string[]) | undefined;
  readonly authorize: ((req: R, topics: readonly string[]) => boolean | readonly string[] | PromiseLike<boolean | readonly string[]>) | undefined;
  readonly secret: Uint8Array | undefined;
}

const TOPIC_REASON = 'malformed topic: each must match [A-Za-z0-9_.:/@-]{1,200} and not be open, error or message';

function refuse(sse: boolean, status: 400 | 403, reason: string): Answer {
  return { type: 'refuse', sse, status, reason };
}

/**
 * @internal Decides the answer to `request` (`req` is the server's own, for the callbacks): the
 * `stop` option; the cursor (400 when malformed); the topics (400 when one is malformed); then who
 * may read them: a `ticket` (403 when it is not valid, or does not cover every topic), else
 * `authorize` (403 when it refuses, a narrower stream when it allows fewer). Synchronous unless
 * `authorize` returns a promise, so a subscription made from a synchronous answer misses nothing
 * published after `serve` returned. Throws (or rejects with) what `authorize` throws.
 */
export function answer<R>(request: ProtocolRequest, req: R, access: Access<R>): Answer | Promise<Answer> {
  const sse = wantsEventStream(request);
  const { stop } = access;
  if (stop === true || (typeof stop === 'function' && stop(req) === true)) return { type: 'stop', sse };
  const cursor = sse ? sseCursor(request) : cometCursor(request);
  if (cursor === null) {
    return refuse(sse, 400, sse ? 'malformed cursor: expected a Last-Event-ID header or ?lastEventId= of the form E:N, or ?epoch=E&since=N, with E matching [A-Za-z0-9_-]{1,64} and N a non-negative integer' : 'malformed cursor: expected ?epoch=E&since=N, with E matching [A-Za-z0-9_-]{1,64} and N a non-negative integer');
  }
  const asked = access.topics === undefined ? request.query.getAll('topic') : access.topics(req);
  if (!Array.isArray(asked) || !asked.every((t) => typeof t === 'string' && t !== '' && isTopic(t))) return refuse(sse, 400, TOPIC_REASON);
  const named = asked.length > 0;
  const topics = named ? [...new Set(asked)] : [''];
  const head = request.method === 'HEAD';
  const stream = (allowed: readonly string[]): Answer => ({ type: 'stream', sse, head, cursor, topics: allowed, named });
  const tickets = request.query.getAll('ticket');
  if (tickets.length > 0) {
    if (access.secret === undefined || tickets.length > 1) return refuse(sse, 403, 'this ticket is not valid here');
    const grant = readTicket(access.secret, tickets[0]!);
    if (grant === null) return refuse(sse, 403, 'the ticket is not valid or has expired');
    return topics.every((t) => grant.topics.includes(t)) ? stream(topics) : refuse(sse, 403, 'the ticket does not cover every topic asked for');
  }
  if (access.authorize === undefined) return stream(topics);
  const verdict = access.authorize(req, topics);
  const judge = (allowed: boolean | readonly string[]): Answer => {
    if (allowed === true) return stream(topics);
    if (Array.isArray(allowed)) {
      const kept = topics.filter((t) => allowed.includes(t));
      if (kept.length > 0) return stream(kept);
    }
    return refuse(sse, 403, 'not authorized for these topics');
  };
  return isThenable(verdict) ? Promise.resolve(verdict).then(judge) : judge(verdict);
}

function isThenable(value: unknown): value is PromiseLike<boolean | readonly string[]> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
