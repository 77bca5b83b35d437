/**
 * Broadcast hubs: one publisher, many subscribers with bounded queues and slow-consumer
 * policies, optional replay, in one process or across processes over Redis Streams.
 */
export { createHub, cometHub } from './local.js';
export { createRedisHub } from './redis.js';
export { cometEncoding } from './protocol/encoding.js';
export { stopComet, type StopCometOptions } from './protocol/stop.js';
export { SlowConsumerError, HubClosedError, HubConnectionError } from './errors.js';
export type { RedisCometHub, RedisHub, RedisHubOptions, RedisHubStats, RedisPublishOptions } from './redis/types.js';
export type {
  CometEncoding,
  CometEncodingOptions,
  CometHub,
  CometHubOptions,
  CometWire,
  FetchOptions,
  FetchResult,
  Hub,
  HubOptions,
  HubReading,
  HubStats,
  HubSubscription,
  PublishOptions,
  ServeOptions,
  ServeResult,
  Serving,
  SlowConsumerPolicy,
  SubscribeOptions,
  TicketOptions,
  TransportCounts,
} from './types.js';
