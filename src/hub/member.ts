/**
 * One subscriber as the hub's core sees it.
 */
import type { BufferedQueue, PushController } from '../source/queue.js';
import type { PushHooks } from '../source/types.js';
import type { HubCore } from './core.js';
import type { ClientKind } from './framing.js';
import type { Entry } from './history.js';
import type { HubFeed } from './subscription.js';
import type { SlowConsumerPolicy } from './types.js';

/**
 * @internal One subscriber as the hub sees it; also the hooks of its queue, so that a subscriber makes no
 * closure of its own.
 */
export class Member<O> implements PushHooks {
  ctl: PushController<Entry<O>> | null = null;
  queue: BufferedQueue<Entry<O>> | null = null;
  feed: HubFeed<O> | null = null;
  ended = false;
  /** Ids up to this one are not given (a cursor ahead of the hub: it waits until the hub catches up). */
  after = 0;

  constructor(
    readonly core: HubCore<O>,
    readonly policy: SlowConsumerPolicy,
    readonly kind: ClientKind,
  ) {}

  /** The queue ended: the subscriber leaves the set. */
  teardown(): void {
    this.core.leave(this);
  }

  /** The queue overflowed under 'disconnect': the error it ends with. */
  overflowError(max: number): Error {
    return this.core.overflowed(this, max);
  }
}

/**
 * @internal Tells a subscription that the hub cut it off. Deferred to a microtask: its signal's listeners
 * (a transport giving up) call back into the queue, which is still in the middle of a push here.
 */
export function cutOff<O>(member: Member<O>, error: Error): void {
  queueMicrotask(() => member.feed?.cutOff(error));
}
