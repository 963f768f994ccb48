-- Reads the Tweek hooks and their ETag from one snapshot.
--
-- KEYS[1] hash id -> canonical JSON of the Tweek hooks
-- Returns {etag, json, json, ...} with the hooks in id order (see relay_tweek_list)
local etag, jsons = relay_tweek_list(KEYS[1])
local reply = {etag}
for i = 1, #jsons do
  reply[#reply + 1] = jsons[i]
end
return reply
