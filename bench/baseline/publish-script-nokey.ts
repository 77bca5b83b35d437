/**
 * A frozen copy of the Redis hub's publish script as it was before every publish carried an
 * idempotency key: the same head, id, XADD, trim and counter, without the key lookup before the
 * XADD and the key window after it. The benchmark of the key check (bench/redis-topics.ts) runs it
 * with EVAL beside the current script, with the same arguments (ARGV[10] and ARGV[11], the key and
 * the window, are ignored here).
 */
export const PUBLISH_SCRIPT_WITHOUT_KEYS = `
if redis.call('TYPE', KEYS[2]).ok == 'string' then
  local old = redis.call('GET', KEYS[2])
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'id', old)
end
local e = redis.call('HGET', KEYS[2], 'epoch')
local n = redis.call('HGET', KEYS[2], 'id') or '0'
if not e or (e == ARGV[2] and (tonumber(n) or 0) < tonumber(ARGV[3])) then e = ARGV[1] redis.call('HSET', KEYS[2], 'epoch', e) end
local last = tonumber(n)
if not last or last < 0 or last ~= math.floor(last) then
  return redis.error_reply('ERR comet-bridge: field id of ' .. KEYS[2] .. ' is not a non-negative integer')
end
local id = string.format('%d', last + 1)
if ARGV[6] ~= '' and (ARGV[6] ~= e or ARGV[7] ~= id) then return {'', n, e} end
local fields = {'id', id, 'epoch', e, 'data', ARGV[5]}
if ARGV[9] ~= '' then fields[#fields + 1] = 'topic' fields[#fields + 1] = ARGV[9] end
if ARGV[8] ~= '' then fields[#fields + 1] = 'sig' fields[#fields + 1] = ARGV[8] end
redis.call('XADD', KEYS[1], '*', unpack(fields))
if redis.call('XLEN', KEYS[1]) > tonumber(ARGV[4]) then
  local t = redis.call('TIME')
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[12])))
end
redis.call('HSET', KEYS[2], 'id', id)
return {id, e}
`;
