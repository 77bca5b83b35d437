/**
 * Sources: one push-to-pull queue and the adapters that turn every push or pull source into one
 * `AsyncIterable` with the same buffering, ordering, error and teardown contract.
 */
export type {
  BufferOptions,
  OverflowPolicy,
  Publisher,
  QueueOptions,
  QueueStats,
  SourceIterator,
  Subscriber,
  Subscription,
} from './types.js';
export { pushQueue, type PushController, type PushHooks, type PushQueueOptions } from './queue.js';
export { fromEventEmitter, type EventSourceLike, type FromEventEmitterOptions } from './event-emitter.js';
export { fromReadable, type FromReadableOptions } from './readable.js';
export { fromHighland, type FromHighlandOptions, type HighlandStreamLike } from './highland.js';
export {
  fromObservable,
  type ObservableLike,
  type ObserverLike,
  type SubscribableLike,
  type UnsubscribableLike,
} from './observable.js';
export { fromPublisher, type FromPublisherOptions } from './publisher.js';
export { toPublisher } from './to-publisher.js';
export {
  toObservable,
  type IterableObservable,
  type ObservableSubscription,
  type PartialObserver,
} from './to-observable.js';
export { toSource, type SourceLike } from './to-source.js';
