/**
 * Broadcast hubs: one publisher, many subscribers with bounded queues and slow-consumer
 * policies, optional replay, in one process or across processes over Redis pub/sub.
 */
export { createHub } from './hub.js';
export { cometHub, cometEncoding, type CometEncoding, type CometEncodingOptions, type CometHubOptions } from './comet-hub.js';
export { createRedisHub, type RedisHub, type RedisHubOptions, type RedisHubStats } from './redis-hub.js';
export { SlowConsumerError, HubClosedError, HubConnectionError } from './errors.js';
export type { ServeOptions, ServeResult } from './serve.js';
export type {
  Hub,
  HubBase,
  HubOptions,
  HubStats,
  HubSubscription,
  SlowConsumerPolicy,
  SubscribeOptions,
} from './types.js';
