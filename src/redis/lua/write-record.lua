-- Replaces or deletes one record (a hash) if its version is the one the caller read, and appends the events
-- that describe the change, in one atomic step: the relay's own mutations are events too.
--
-- KEYS[1] stream   KEYS[2] stream meta hash   KEYS[3] the record's hash   KEYS[4] the index set of records
-- ARGV[1] retention in ms   ARGV[2] max length
-- ARGV[3] expected version: '' = the record must not exist, otherwise its field `v` must equal it
-- ARGV[4] member of the index set (the record's id)
-- ARGV[5] number of field/value pairs N; 0 deletes the record
-- ARGV[6 .. 5+2N] field/value pairs (the caller includes a new `v`)
-- ARGV[6+2N ..] events as (type, domain, key, body) quadruples
--
-- Returns {'ok', id, ...} written and appended
--         {'stale', current version or ''} the record changed since it was read; nothing written
local current = redis.call('HGET', KEYS[3], 'v')
local expected = ARGV[3]
if (expected == '' and current) or (expected ~= '' and current ~= expected) then
  return {'stale', current or ''}
end

local pairs_count = tonumber(ARGV[5])
local first = 6 + 2 * pairs_count
local count = (#ARGV - first + 1) / 4
-- Append first: it is the only step that can fail (the stream key holding another type), and a script that
-- fails after a write keeps the writes before the failure.
local ids = relay_append(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV, first, count)

if pairs_count == 0 then
  redis.call('DEL', KEYS[3])
  redis.call('SREM', KEYS[4], ARGV[4])
else
  redis.call('DEL', KEYS[3])
  local args = {}
  for i = 6, 5 + 2 * pairs_count do
    args[#args + 1] = ARGV[i]
  end
  redis.call('HSET', KEYS[3], unpack(args))
  redis.call('SADD', KEYS[4], ARGV[4])
end

local reply = {'ok'}
for i = 1, #ids do
  reply[#reply + 1] = ids[i]
end
return reply
