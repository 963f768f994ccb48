-- Creates, replaces or deletes one webhook, and appends the events describing the change, in one atomic step.
-- Checks the record's version (optimistic concurrency) and, for the Tweek API, an If-Match ETag over the whole
-- list of Tweek hooks, so a stale writer changes nothing.
--
-- KEYS[1] stream   KEYS[2] stream meta   KEYS[3] the hook's hash   KEYS[4] index set of hooks
-- KEYS[5] hash id -> canonical JSON of the Tweek hooks (what the ETag covers)
-- KEYS[6] the hook's delivery state hash
-- KEYS[7] the hooks' version counter, bumped by every write (dispatchers reload their list when it moves)
-- ARGV[1] retention in ms   ARGV[2] max length
-- ARGV[3] expected version: '*' = any (no check), '' = the hook must not exist, else its field `v`
-- ARGV[4] If-Match ETag ('' = no check)
-- ARGV[5] the hook's id
-- ARGV[6] its canonical Tweek JSON ('' = not in the Tweek list, or removed from it)
-- ARGV[7] '1' = reset the delivery state (re-enabled, or deleted), '0' = keep it
-- ARGV[8] number of field/value pairs N of the hook; 0 deletes it
-- ARGV[9 .. 8+2N] field/value pairs (the caller includes a new `v`)
-- ARGV[9+2N ..] events as (type, domain, key, body) quadruples
--
-- Returns {'ok', etag, id, ...}          written; the Tweek list's ETag after the write, the event ids
--         {'stale', current version}      the hook changed since it was read (or exists / does not)
--         {'precondition', etag}          If-Match does not match the current ETag

local function tweek_etag()
  local etag = relay_tweek_list(KEYS[5])
  return etag
end

local current = redis.call('HGET', KEYS[3], 'v')
local expected = ARGV[3]
if expected ~= '*' and ((expected == '' and current) or (expected ~= '' and current ~= expected)) then
  return {'stale', current or ''}
end
if ARGV[4] ~= '' then
  local etag = tweek_etag()
  if etag ~= ARGV[4] then
    return {'precondition', etag}
  end
end

local pairs_count = tonumber(ARGV[8])
local first = 9 + 2 * pairs_count
local count = (#ARGV - first + 1) / 4
-- Append first: it is the only step that can fail (the stream key holding another type), and a script that
-- fails after a write keeps the writes before the failure.
local ids = relay_append(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV, first, count)

redis.call('DEL', KEYS[3])
if pairs_count == 0 then
  redis.call('SREM', KEYS[4], ARGV[5])
else
  local args = {}
  for i = 9, 8 + 2 * pairs_count do
    args[#args + 1] = ARGV[i]
  end
  redis.call('HSET', KEYS[3], unpack(args))
  redis.call('SADD', KEYS[4], ARGV[5])
end
if ARGV[6] == '' then
  redis.call('HDEL', KEYS[5], ARGV[5])
else
  redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])
end
if ARGV[7] == '1' then
  redis.call('DEL', KEYS[6])
end
redis.call('INCR', KEYS[7])

local reply = {'ok', tweek_etag()}
for i = 1, #ids do
  reply[#reply + 1] = ids[i]
end
return reply
