-- Shared by the scripts that read or write the Tweek hooks; prepended to each of them when they are loaded.
--
-- relay_tweek_list(hash) -> etag, jsons
--   The Tweek hooks (hash id -> canonical JSON) in id order, and their ETag: sha1 of the JSON array
--   '[' .. jsons joined by ',' .. ']', which is exactly the body of an unfiltered GET.
local function relay_tweek_list(hash)
  local flat = redis.call('HGETALL', hash)
  local ids = {}
  local by_id = {}
  for i = 1, #flat, 2 do
    ids[#ids + 1] = flat[i]
    by_id[flat[i]] = flat[i + 1]
  end
  table.sort(ids)
  local jsons = {}
  for i = 1, #ids do
    jsons[#jsons + 1] = by_id[ids[i]]
  end
  return redis.sha1hex('[' .. table.concat(jsons, ',') .. ']'), jsons
end
