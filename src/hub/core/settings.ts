/**
 * The settings every hub's core is made with, validated once, for every kind of hub.
 */
import { checkCount, checkFunction, checkLimit, checkOptions, describe } from '../../util/args.js';
import type { HubOptions, SlowConsumerPolicy } from '../types.js';
import type { Frames } from './kinds.js';

const POLICIES: readonly SlowConsumerPolicy[] = ['drop-oldest', 'drop-newest', 'disconnect'];

/** @internal The option names of {@link HubOptions}. */
export const HUB_OPTIONS: readonly string[] = Object.keys({
  history: 1, historyTotal: 1, limit: 1, policy: 1, encode: 1, initial: 1, coalesce: 1,
} satisfies Record<keyof HubOptions<unknown>, 1>);

/** @internal Validates a slow-consumer policy name. */
export function checkPolicy(policy: unknown, where: string): SlowConsumerPolicy {
  if (!POLICIES.includes(policy as SlowConsumerPolicy)) {
    throw new TypeError(`${where}: policy must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describe(policy)}`);
  }
  return policy as SlowConsumerPolicy;
}

/** @internal Settings of a core. */
export interface CoreSettings<O> {
  /** Messages kept for replay per topic. */
  history: number;
  /** Messages kept for replay over all topics (the least recently published topic gives first). */
  historyTotal: number;
  limit: number;
  policy: SlowConsumerPolicy;
  /** What a `'comet'` subscriber gets first (an `'sse'` one gets nothing first). */
  initial: O | undefined;
  coalesce: ((values: O[]) => O) | undefined;
  /** For a hub of two kinds of client (then `O` is string, and `emit` takes serialized messages). */
  frames?: Frames | undefined;
}

/** @internal Core settings and the `encode` a hub applies before its core fans a message out. */
export type HubSettings<T, O> = CoreSettings<O> & { encode: ((value: T, id: number, topic?: string) => O) | undefined };

/**
 * @internal Validates the options shared by every hub and returns the core settings.
 * @param where - the public function, for messages
 * @param known - every option name `where` accepts (default: those of {@link HubOptions})
 */
export function coreSettings<T, O>(options: HubOptions<T, O> | undefined, where: string, known: readonly string[] = HUB_OPTIONS): HubSettings<T, O> {
  const { history = 0, historyTotal = Infinity, limit = 1024, policy = 'disconnect', encode, initial, coalesce } = checkOptions(options, where, known);
  checkFunction(encode, where, 'encode');
  checkFunction(coalesce, where, 'coalesce');
  return {
    history: checkCount(history, where, 'history'),
    historyTotal: checkCount(historyTotal, where, 'historyTotal', true),
    limit: checkLimit(limit, where, 'limit'),
    policy: checkPolicy(policy, where),
    initial,
    coalesce,
    encode,
  };
}

/**
 * @internal A hub's secret as bytes (what tickets are signed with, and a Redis hub's entries).
 * @throws TypeError when it is given and is neither a non-empty string nor non-empty bytes
 */
export function checkSecret(secret: unknown, where: string): Uint8Array | undefined {
  if (secret === undefined) return undefined;
  if (!((typeof secret === 'string' || secret instanceof Uint8Array) && secret.length > 0)) {
    throw new TypeError(`${where}: secret must be a non-empty string or Uint8Array, got ${describe(secret)}`);
  }
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}
