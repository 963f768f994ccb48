-- Shared by every script that appends events; prepended to each of them when they are loaded.
--
-- relay_append(stream, meta, retention_ms, max_len, argv, first, count)
--   Appends `count` events whose fields are argv[first..] as (type, domain, key, body) quadruples (plus, in a
--   commit of several, c = the commit's first entry id and r = how many entries of it follow), with
--   consecutive ids `ms-seq`, seq <= 999 (a full millisecond moves on to the next), never below the last id
--   given. Then trims: entries older than retention_ms (exact MINID) and entries past max_len (exact), and
--   records in meta.trimmed the newest entry id ever trimmed, so a reader can tell a trimmed id from a
--   never-used one. Returns the list of entry ids appended.
--   The retention is checked at most every min(1 s, retention_ms / 10) (meta.checked: when it last was), not
--   on every append: the check (reading the oldest entry) was the dearest step of a single event's append.
--   An expired entry may thus stay that much longer; the length cap is checked on every append.

local function relay_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function relay_ms_of(id)
  return tonumber(string.match(id, '^(%d+)-'))
end

local function relay_append(stream, meta, retention_ms, max_len, argv, first, count)
  local now = relay_now_ms()
  local last = redis.call('HMGET', meta, 'ms', 'seq', 'checked')
  local ms = tonumber(last[1])
  local seq = tonumber(last[2])
  local checked = tonumber(last[3]) or 0
  if ms == nil then
    -- No record yet (new stream, or the meta hash was lost): continue after the newest entry, if any.
    local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
    ms, seq = 0, -1
    if top[1] then
      ms = relay_ms_of(top[1][1])
      seq = tonumber(string.match(top[1][1], '-(%d+)$'))
    end
  end
  if now > ms then
    ms = now
    seq = -1
  end
  local ids = {}
  for i = 0, count - 1 do
    seq = seq + 1
    if seq > 999 then
      ms = ms + 1
      seq = 0
    end
    local id = string.format('%d-%d', ms, seq)
    local at = first + i * 4
    if count == 1 then
      redis.call('XADD', stream, id, 't', argv[at], 'd', argv[at + 1], 'k', argv[at + 2], 'b', argv[at + 3])
    else
      -- Entries of a commit of several events name its first entry (c) and how many follow them (r), so a
      -- reader that gets part of a commit can tell, and read the rest.
      redis.call('XADD', stream, id, 't', argv[at], 'd', argv[at + 1], 'k', argv[at + 2], 'b', argv[at + 3],
        'c', ids[1] or id, 'r', count - 1 - i)
    end
    ids[#ids + 1] = id
  end
  local trimmed = nil
  local check_every = math.min(1000, math.floor(retention_ms / 10))
  if retention_ms > 0 and now - retention_ms > 0 and (now < checked or now - checked >= check_every) then
    checked = now
    local min_id = string.format('%d-0', now - retention_ms)
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
    if oldest[1] and relay_ms_of(oldest[1][1]) < now - retention_ms then
      local newest_gone = redis.call('XREVRANGE', stream, '(' .. min_id, '-', 'COUNT', 1)
      if newest_gone[1] then
        redis.call('XTRIM', stream, 'MINID', min_id)
        trimmed = newest_gone[1][1]
      end
    end
  end
  redis.call('HSET', meta, 'ms', ms, 'seq', seq, 'checked', checked)

  local len = redis.call('XLEN', stream)
  if len > max_len then
    -- At most 10,000 entries a call, so lowering the cap on a large stream converges over a few appends.
    local excess = math.min(len - max_len, 10000)
    local head = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess + 1)
    redis.call('XTRIM', stream, 'MINID', head[excess + 1][1])
    trimmed = head[excess][1]
  end
  if trimmed then
    redis.call('HSET', meta, 'trimmed', trimmed)
  end
  return ids
end
