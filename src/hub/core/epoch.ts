/**
 * Every rule about epochs, in one place. An epoch names one run of a hub's id sequence: ids 1, 2,
 * 3, … mean something only with the epoch they were given in. A cursor is an epoch and the last id
 * a client has (docs/protocol.md, "Cursors and epochs").
 */
import { randomBytes } from 'node:crypto';
import { describe } from '../../util/args.js';

/** What an epoch looks like: what {@link newEpoch} makes, and what a cursor may carry. */
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

/** @internal A new epoch: 16 url-safe characters from 12 random bytes. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/** @internal True when `value` is a well-formed epoch. */
export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && EPOCH.test(value);
}

/**
 * @internal Checks an epoch (`[A-Za-z0-9_-]{1,64}`).
 * @param name - how the message names it, e.g. `epoch`
 * @throws TypeError `where: name must match [A-Za-z0-9_-]{1,64}, got …`
 */
export function checkEpoch(epoch: unknown, where: string, name: string): string {
  if (!isEpoch(epoch)) {
    throw new TypeError(`${where}: ${name} must match [A-Za-z0-9_-]{1,64}, got ${typeof epoch === 'string' ? JSON.stringify(epoch) : describe(epoch)}`);
  }
  return epoch;
}

/**
 * @internal The epoch of a cursor that no hub wrote (an id of another server that answered on the
 * same URL before): a hub's epoch is never a single `-`, so such a cursor always means a reset.
 */
export const FOREIGN_EPOCH = '-';

/**
 * @internal Where a subscriber given the cursor (`since`, `epoch`) starts, on a hub at `lastId` in
 * `current` that accounts exactly for the messages of the subscriber's topics after `horizon`:
 * - no `since`: live only (`from` undefined);
 * - another epoch: the whole history (`from` 0), `reset`;
 * - a `since` before `horizon` (the hub can no longer tell how many of its topics' messages came
 *   after it): what came after `since`, `reset` (`missed` then counts at least what was lost);
 * - this epoch, `since` ahead of `lastId` (a hub that has not caught up yet): nothing replayed, and
 *   only ids above `since` given (`after`), however long the hub takes to get there;
 * - no epoch and `since` ahead of `lastId` (a cursor of unknown origin): the whole history;
 * - otherwise: what came after `since`.
 */
export function startOf(
  since: number | undefined,
  epoch: string | undefined,
  current: string,
  lastId: number,
  horizon = 0,
): { readonly from: number | undefined; readonly after: number; readonly reset: boolean } {
  const other = epoch !== undefined && epoch !== current;
  if (since === undefined) return { from: undefined, after: 0, reset: other };
  const reset = other || since < horizon;
  if (since > lastId && epoch !== undefined && !reset) return { from: undefined, after: since, reset };
  return { from: other || since > lastId ? 0 : since, after: 0, reset };
}
