-- Shared by every script that appends events; prepended to each of them when they are loaded.
--
-- relay_append(stream, meta, retention_ms, max_len, argv, first, count)
--   Appends `count` events whose fields are argv[first..] as (type, domain, key, body) quadruples (plus, in a
--   commit of several, r = how many entries of it follow, and on every entry but the first c = the commit's
--   first entry id: a reader takes an entry without c as its own commit's first), with consecutive ids
--   `ms-seq`, seq <= 999 (a full millisecond moves on to the next). Then trims: entries older than
--   retention_ms (exact MINID) and entries past max_len (exact), and records in meta.trimmed the newest entry
--   id ever trimmed, so a reader can tell a trimmed id from a never-used one. Returns the list of entry ids.
--   The first entry takes Redis' own next id (`*`): this millisecond, or just after the stream's last id
--   when that is not below it, deleted and trimmed entries included. So no record of the last id is kept,
--   and a single event's append is one write (Redis wraps a script of several writes in MULTI/EXEC): Redis
--   CPU per append at 100/s, fsync always, 320 -> 302 µs (medians of 4 rounds). Nor can an append fail any
--   longer because that record was lost while the newest entries were deleted.
--   The only id `*` gives that the scheme cannot use is seq 1000 (after ms-999): that entry is deleted at
--   once, inside the script, and the event appended at (ms+1)-0.
--   The retention is checked at most every min(1 s, retention_ms / 10) (meta.checked: when it last was), not
--   on every append: the check (reading the oldest entry) was the dearest step of a single event's append.
--   An expired entry may thus stay that much longer; the length cap is checked on every append of the script.
--   A single event without an idempotency key does not come here but for the upkeep: the relay appends it as a
--   bare XADD, and runs this script at least every min(1 s, retention_ms / 10) and every max_len / 100
--   appends of each process (src/events/append-upkeep.ts), so the stream may pass the cap by that much.

local function relay_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function relay_ms_of(id)
  return tonumber(string.match(id, '^(%d+)-'))
end

local function relay_seq_of(id)
  return tonumber(string.match(id, '-(%d+)$'))
end

-- One entry: the event at argv[at..at + 3] under `id`; in a commit of several, `remaining` (r) and, but on
-- its first entry, `commit` (c).
local function relay_xadd(stream, id, argv, at, commit, remaining)
  if remaining == nil then
    return redis.call('XADD', stream, id, 't', argv[at], 'd', argv[at + 1], 'k', argv[at + 2], 'b', argv[at + 3])
  end
  if commit == nil then
    return redis.call('XADD', stream, id, 't', argv[at], 'd', argv[at + 1], 'k', argv[at + 2], 'b', argv[at + 3],
      'r', remaining)
  end
  return redis.call('XADD', stream, id, 't', argv[at], 'd', argv[at + 1], 'k', argv[at + 2], 'b', argv[at + 3],
    'c', commit, 'r', remaining)
end

local function relay_append(stream, meta, retention_ms, max_len, argv, first, count)
  local remaining = nil
  if count > 1 then
    remaining = count - 1
  end
  local id = relay_xadd(stream, '*', argv, first, nil, remaining)
  local ms = relay_ms_of(id)
  local seq = relay_seq_of(id)
  if seq > 999 then
    -- after ms-999 in this same millisecond (or a later one the stream is already at): never seen by anyone
    redis.call('XDEL', stream, id)
    ms = ms + 1
    seq = 0
    id = relay_xadd(stream, string.format('%d-0', ms), argv, first, nil, remaining)
  end
  local ids = {id}
  for i = 1, count - 1 do
    seq = seq + 1
    if seq > 999 then
      ms = ms + 1
      seq = 0
    end
    ids[i + 1] = string.format('%d-%d', ms, seq)
    relay_xadd(stream, ids[i + 1], argv, first + i * 4, id, count - 1 - i)
  end

  local trimmed = nil
  local now = relay_now_ms()
  local check_every = math.min(1000, math.floor(retention_ms / 10))
  if retention_ms > 0 and now - retention_ms > 0 then
    local checked = tonumber(redis.call('HGET', meta, 'checked')) or 0
    if now < checked or now - checked >= check_every then
      redis.call('HSET', meta, 'checked', now)
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
  end

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
