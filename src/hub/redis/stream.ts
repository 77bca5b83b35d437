/**
 * The Redis side of a Redis hub: the keys, the Lua scripts, and the format of one stream entry.
 *
 * Keys: the stream is `channel` itself; beside it, the hash `idKey` (default `{<channel>}:id`) holds
 * the fields `epoch`, `id` (the last id given) and `recorded` (the last id recorded); the list
 * `<idKey>:sids` the records: the stream ids Redis gave the hub's entries, one per id in id order,
 * the last one for id `recorded`, at most as many as the stream has entries; and the sorted set
 * `<idKey>:keys` the idempotency keys of the last publishes with their ids. The epoch and the id
 * live in one key so that they are lost together (a restart without persistence) and never one
 * without the other. The default names carry the channel as a hash tag, so that on a Redis Cluster
 * all four live on one node. A list rather than a sorted set by id: the records are appended in id
 * order and read by position from the last, so a list holds them in 18 bytes each where a sorted
 * set takes about 130, and appending costs less than a sorted insert.
 *
 * Entry: stream id chosen by Redis (`*`), fields exactly `id`, `epoch`, `data`, then `topic` for a
 * message of a named topic, then `sig` when the hubs share a `secret`, in that order. The numeric id
 * is a field, not the stream id: a foreign `XADD * …` then only adds an entry that readers skip,
 * instead of moving the stream's top id past every id a hub could give and making each later
 * publish fail. A stream id is unique in its stream and only Redis chooses it, so the record of the
 * one each id got tells the hub's entry from any other claiming the same id.
 *
 * Trimming: past `streamLength` entries, what is older than `streamRetainMs` goes (XTRIM MINID), so
 * a reader that is merely behind (a burst, a busy process) never finds the entries it has not read
 * trimmed by the count alone.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isEpoch } from '../core/epoch.js';
import { isTopic } from '../core/topic.js';

/**
 * A script's text as sent: without the indentation and blank lines, which Redis would read (and
 * hash, on each EVAL) for nothing.
 */
const lua = (text: string): string => text.replace(/^\s+/gm, '');

/**
 * Shared head of the publish and snapshot scripts (KEYS[2] = the hash, KEYS[3] = the records; ARGV[1] = a fresh epoch in case there is none;
 * ARGV[2], ARGV[3] = the epoch and last id the caller knows, '' and 0 when none): turns the plain
 * counter of the pub/sub hub of earlier versions into the hash, keeping its value, reads the last id
 * into `n`, and creates the epoch `e` when it is absent or when the hash's id is behind the one the
 * caller knows in it (Redis came back from an older snapshot: ids would be given twice). A new epoch
 * goes on from the hash's id, with no records: those of the old epoch name entries no reader of the
 * new one delivers, and would hold ids the new epoch gives again.
 */
const HEAD = `
if redis.call('TYPE', KEYS[2]).ok == 'string' then
  local old = redis.call('GET', KEYS[2])
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'id', old)
end
local got = redis.call('HMGET', KEYS[2], 'epoch', 'id', 'recorded')
local e = got[1]
local n = got[2] or '0'
if not e or (e == ARGV[2] and (tonumber(n) or 0) < tonumber(ARGV[3])) then
  e = ARGV[1]
  redis.call('HSET', KEYS[2], 'epoch', e)
  redis.call('DEL', KEYS[3])
end
`;

/**
 * Lua function of the scripts that read the records: `records(key, recorded, low, high)`, with
 * `recorded` the hash's field of that name, gives `top, list`: `list` holds the records of the ids
 * up to `top` (at most `high`, and none above `recorded`), oldest first, the last for `top`, from
 * `low` or from the oldest kept. `top` is `'0'` when there are none.
 */
const RECORDS = `
local function records(key, recorded, low, high)
  if not recorded then return '0', {} end
  high = math.min(high, recorded)
  low = math.max(low, 1)
  if high < low then return '0', {} end
  return string.format('%d', high), redis.call('LRANGE', key, string.format('%d', low - recorded - 1), string.format('%d', high - recorded - 1))
end
`;

/**
 * @internal Publishes one message. KEYS: stream, hash, records, keys. ARGV: fresh epoch, known epoch, known
 * id, stream length, data, expected epoch, expected id, signature, topic, idempotency key, how many
 * keys to remember, how long to keep entries (ms). A key already remembered in this epoch adds
 * nothing: the reply is `[its id, epoch, 'seen']`. Otherwise the id is the last id + 1; the entry is
 * added before the id is stored, so a failed XADD leaves no gap. The stream id XADD gave it is
 * pushed on the records, begun again when the last one is not of the last id given (a publisher of
 * an earlier version gave ids since, or the hash was lost); whenever the stream is trimmed (or made again: its first entry) the records are trimmed to its length (the
 * hub's entries in the stream are the last ones given: each keeps its record while it is in the
 * stream, whatever `streamLength` each process has). With an expected epoch (signed entries are
 * signed over it and the id), nothing is written unless both match; the reply then is `['', last
 * id, epoch]`. Otherwise the reply is `[id, epoch]`.
 */
export const PUBLISH_SCRIPT = lua(`${HEAD}
local key = ARGV[10] ~= '' and (e .. ':' .. ARGV[10]) or nil
if key then
  local seen = redis.call('ZSCORE', KEYS[4], key)
  if seen then return {string.format('%d', tonumber(seen)), e, 'seen'} end
end
local last = tonumber(n)
if not last or last < 0 or last ~= math.floor(last) then
  return redis.error_reply('ERR comet-bridge: field id of ' .. KEYS[2] .. ' is not a non-negative integer')
end
local id = string.format('%d', last + 1)
if ARGV[6] ~= '' and (ARGV[6] ~= e or ARGV[7] ~= id) then return {'', n, e} end
local fields = {'id', id, 'epoch', e, 'data', ARGV[5]}
if ARGV[9] ~= '' then fields[#fields + 1] = 'topic' fields[#fields + 1] = ARGV[9] end
if ARGV[8] ~= '' then fields[#fields + 1] = 'sig' fields[#fields + 1] = ARGV[8] end
local sid = redis.call('XADD', KEYS[1], '*', unpack(fields))
local len, gone = redis.call('XLEN', KEYS[1]), 0
if len > tonumber(ARGV[4]) then
  local t = redis.call('TIME')
  gone = redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[12])))
  len = len - gone
end
if tonumber(got[3]) ~= last then redis.call('DEL', KEYS[3]) end
redis.call('RPUSH', KEYS[3], sid)
if gone > 0 or len == 1 then redis.call('LTRIM', KEYS[3], -len, -1) end
redis.call('HSET', KEYS[2], 'id', id, 'recorded', id)
if key then
  redis.call('ZADD', KEYS[4], id, key)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[11]) - 1)
end
return {id, e}
`);

/**
 * @internal Where a reader starts, in one atomic step. KEYS: stream, hash, records. ARGV: fresh
 * epoch, the epoch and last id the reader knows ('' and 0 at first), how many entries. Reply
 * `[epoch, last id]` when the epoch is the known one, else `[epoch, last id, the last ARGV[4]
 * entries newest first, ...records]`: the records (see {@link RECORDS}) of the last ARGV[4] ids,
 * which are the only ids of the hub's entries among them.
 */
export const SNAPSHOT_SCRIPT = lua(`${RECORDS}${HEAD}
if e == ARGV[2] then return {e, n} end
local entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[4])
local last = tonumber(n) or 0
local top, list = records(KEYS[3], tonumber(got[3]), last - tonumber(ARGV[4]) + 1, last)
return {e, n, entries, top, list}
`);

/**
 * @internal What a reader checks a batch against, in one atomic step. KEYS: hash, records. ARGV: the
 * lowest and highest id the batch's entries claim. Reply `[last id, ...records]`: the records (see
 * {@link RECORDS}) of the ids from the lowest to the highest, or to the last id given when that is
 * lower (an id above it is no hub's, whatever its record).
 */
export const VERIFY_SCRIPT = lua(`${RECORDS}
local got = redis.call('HMGET', KEYS[1], 'id', 'recorded')
local n = got[1] or '0'
local top, list = records(KEYS[2], tonumber(got[2]), tonumber(ARGV[1]), math.min(tonumber(ARGV[2]), tonumber(n) or 0))
return {n, top, list}
`);

/**
 * @internal The records of a {@link SNAPSHOT_SCRIPT} or {@link VERIFY_SCRIPT} reply (`top`, the id
 * of the last one, and `list`, oldest first), by id: the stream id each id's entry was given, for
 * the ids that have one.
 */
export function recordsOf(top: unknown, list: unknown): Map<number, string> {
  const out = new Map<number, string>();
  const last = Number(text(top));
  if (!Array.isArray(list) || !Number.isSafeInteger(last)) return out;
  for (let i = 0; i < list.length; i++) {
    const sid = text(list[list.length - 1 - i]);
    if (sid !== undefined) out.set(last - i, sid);
  }
  return out;
}

/** @internal One entry as Redis returns it: its stream id and its flat field list. */
export interface RawEntry {
  readonly streamId: string;
  readonly fields: readonly unknown[];
}

/** @internal The fields of an entry written by a hub. */
export interface HubEntry {
  readonly id: number;
  readonly epoch: string;
  readonly data: string;
  /** `''` for the default topic. */
  readonly topic: string;
  readonly sig: string | undefined;
}


const ID = /^[1-9][0-9]{0,15}$/;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString() : undefined;

/** @internal The entries of an XRANGE/XREVRANGE reply (RESP2: `[[id, [field, value, …]], …]`). */
export function rangeEntries(reply: unknown): RawEntry[] {
  const out: RawEntry[] = [];
  if (!Array.isArray(reply)) return out;
  for (const item of reply) {
    const streamId = Array.isArray(item) ? text(item[0]) : undefined;
    const fields: unknown = Array.isArray(item) ? item[1] : undefined;
    if (streamId !== undefined) out.push({ streamId, fields: Array.isArray(fields) ? fields : [] });
  }
  return out;
}

/**
 * @internal The entries of an XREAD reply, by stream key: null (timed out), RESP2
 * `[[key, entries], …]`, `[key, entries]` (ioredis 6 unwraps a one-stream reply) or a RESP3 map.
 */
export function readStreams(reply: unknown): Map<string, RawEntry[]> {
  const out = new Map<string, RawEntry[]>();
  if (reply === null || reply === undefined) return out;
  const pairs: unknown[] = Array.isArray(reply) ? (Array.isArray(reply[0]) ? reply : [reply])
    : reply instanceof Map ? [...reply] : typeof reply === 'object' ? Object.entries(reply) : [];
  for (const pair of pairs) {
    const key = Array.isArray(pair) ? text(pair[0]) : undefined;
    if (key !== undefined) out.set(key, rangeEntries((pair as unknown[])[1]));
  }
  return out;
}

/** @internal The entries of an XREAD reply on one stream (see {@link readStreams}). */
export function readEntries(reply: unknown): RawEntry[] {
  const [first] = readStreams(reply).values();
  return first ?? [];
}

/** @internal The fields of an entry written by a hub, or null when it was not (missing, extra or garbled fields). */
export function parseEntry(fields: readonly unknown[], signed: boolean): HubEntry | null {
  const [f0, id, f1, epoch, f2, data, ...rest] = fields.map(text);
  if (f0 !== 'id' || f1 !== 'epoch' || f2 !== 'data') return null;
  let topic = '';
  if (rest[0] === 'topic') {
    topic = rest[1] ?? '';
    if (topic === '' || !isTopic(topic)) return null;
    rest.splice(0, 2);
  }
  const sig = signed && rest[0] === 'sig' ? rest[1] : undefined;
  if (rest.length !== (signed ? 2 : 0) || (signed && sig === undefined)) return null;
  if (id === undefined || !ID.test(id) || !isEpoch(epoch) || data === undefined) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? { id: n, epoch, data, topic, sig } : null;
}

/**
 * @internal The signature of an entry: HMAC-SHA256, hex, with `secret`, over the bytes of
 * `comet-bridge/1 <epoch> <id> <byte length of channel>:<channel><data>` for the default topic, and
 * `comet-bridge/2 <epoch> <id> <byte length of channel>:<channel><length of topic>:<topic><data>`
 * for a named one (epoch and id contain no space and every other field's length is given, so no two
 * entries share these bytes).
 */
export function sign(secret: string | Uint8Array, channel: string, epoch: string, id: number, data: string, topic = ''): string {
  const head = `${epoch} ${id} ${Buffer.byteLength(channel)}:${channel}`;
  return createHmac('sha256', secret)
    .update(topic === '' ? `comet-bridge/1 ${head}` : `comet-bridge/2 ${head}${topic.length}:${topic}`)
    .update(data)
    .digest('hex');
}

/** @internal Whether `entry` carries the right signature (compared in constant time). */
export function verify(secret: string | Uint8Array, channel: string, entry: HubEntry): boolean {
  if (entry.sig === undefined || !/^[0-9a-f]{64}$/.test(entry.sig)) return false;
  const expected = Buffer.from(sign(secret, channel, entry.epoch, entry.id, entry.data, entry.topic), 'hex');
  return timingSafeEqual(expected, Buffer.from(entry.sig, 'hex'));
}
