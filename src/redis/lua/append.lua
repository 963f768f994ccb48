-- Appends one commit of events atomically, optionally under an idempotency key.
--
-- KEYS[1] stream            KEYS[2] stream meta hash
-- KEYS[3] idempotency key (optional: numkeys 2 when the request has none)
-- ARGV[1] retention in ms   ARGV[2] max length
-- ARGV[3] fingerprint of the request (idempotency only)   ARGV[4] idempotency ttl in ms
-- ARGV[5..] events as (type, domain, key, body) quadruples
--
-- Returns {'new', id, id, ...}                         appended
--         {'dup', '1' | '0', id, id, ...}              the idempotency key was seen: '1' if the fingerprint
--                                                      matches, '0' if it was used for another request; the
--                                                      ids are those of the first request; nothing appended
local idem = KEYS[3]
if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local fingerprint = string.sub(seen, 1, sep - 1)
    local reply = {'dup', fingerprint == ARGV[3] and '1' or '0'}
    for id in string.gmatch(string.sub(seen, sep + 1), '[^,]+') do
      reply[#reply + 1] = id
    end
    return reply
  end
end

local count = (#ARGV - 4) / 4
local ids = relay_append(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV, 5, count)
if idem then
  redis.call('SET', idem, ARGV[3] .. '|' .. table.concat(ids, ','), 'PX', ARGV[4])
end
local reply = {'new'}
for i = 1, #ids do
  reply[#reply + 1] = ids[i]
end
return reply
