/**
 * What the Redis hubs of one process share, per client object they were made on: the reading
 * connection and its loop (a `ReadGroup`) and the health check (a `Health`), so that their number
 * does not grow with the number of hubs.
 */

const tables = new WeakMap<object, Map<string, unknown>>();

/**
 * @internal The thing kept for `owner` under `key`, made by `make` when there is none. `make` gets
 * what forgets it (called once it is of no more use): the next call then makes a new one.
 */
export function sharedBy<V>(owner: object, key: string, make: (forget: () => void) => V): V {
  let table = tables.get(owner);
  if (table === undefined) tables.set(owner, (table = new Map()));
  const found = table.get(key);
  if (found !== undefined) return found as V;
  const kept = table;
  const made: V = make(() => {
    if (kept.get(key) === made) kept.delete(key);
  });
  kept.set(key, made);
  return made;
}
