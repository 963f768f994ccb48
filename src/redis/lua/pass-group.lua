-- Moves a consumer group past entries no one is owed (a dispatcher read them while there was no hook at all):
-- sets its last-delivered id to ARGV[2], unless the group is there or further already (another dispatcher
-- read past it). Never moves a group back, so nothing is delivered twice.
-- KEYS[1] the events stream
-- ARGV[1] the group, ARGV[2] an entry id
-- Returns 1 if the group moved, 0 if not.
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then
      name = group[i + 1]
    elseif group[i] == 'last-delivered-id' then
      last = group[i + 1]
    end
  end
  if name == ARGV[1] then
    local lastMs, lastSeq = parse(last)
    local ms, seq = parse(ARGV[2])
    if ms > lastMs or (ms == lastMs and seq > lastSeq) then
      redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[2])
      return 1
    end
    return 0
  end
end
return 0
