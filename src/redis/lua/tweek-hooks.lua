-- Reads the Tweek hooks and their ETag from one snapshot.
--
-- KEYS[1] hash id -> canonical JSON of the Tweek hooks
-- Returns {etag, json, json, ...} with the hooks in id order; the ETag is sha1 of '[' .. jsons joined by ',' .. ']'
local flat = redis.call('HGETALL', KEYS[1])
local ids = {}
local by_id = {}
for i = 1, #flat, 2 do
  ids[#ids + 1] = flat[i]
  by_id[flat[i]] = flat[i + 1]
end
table.sort(ids)
local parts = {}
for i = 1, #ids do
  parts[#parts + 1] = by_id[ids[i]]
end
local reply = {redis.sha1hex('[' .. table.concat(parts, ',') .. ']')}
for i = 1, #parts do
  reply[#reply + 1] = parts[i]
end
return reply
