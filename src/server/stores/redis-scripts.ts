/**
 * The Redis session store's Lua scripts. Each runs atomically in Redis, so every change that
 * touches several keys (a message and its seq, a task and the record naming it, an eviction and
 * the indexes) is all or nothing, and a read-check-write (is the session idle? is this socket
 * bound? does this task version follow?) cannot interleave with another node's.
 *
 * Every script gets the key prefix as ARGV[1] and the store's clock (`now`, ms) where a rule
 * needs it: time rules come from the stored timestamps and the caller's clock, never from
 * Redis's own clock or key expiry (PEXPIRE is only a safety net, see `refresh`).
 *
 * Keys, with P the prefix and {id} the session id in a hash tag:
 * - `P session:{id}`  hash: id siteKey token visitorId createdAt lastActiveAt nextSeq ttl
 *                     boundSocket url title taskId taskVersion takeoverBy takeoverAt
 *                     userId userVerified
 * - `P history:{id}`  list of messages (JSON with `seq`), oldest first; seqs are contiguous
 * - `P seqs:{id}`     hash message id -> seq (dedupe), mirroring the history
 * - `P task:{id}`     the task (JSON)
 * - `P waits:{id}`    list of waits (JSON), oldest first
 * - `P values:{id}`   hash key -> JSON;  `P visitor:{id}` hash of contact details
 * - `P idle`          zset id -> when the session turns idle (lastActiveAt + ttl)
 * - `P due`           zset id -> the task's deadline
 * - `P wait-expiry`   zset id -> the earliest expiry of its waits
 * - `P visitor-sessions:<len>:<siteKey>:<visitorId>`  set of the visitor's session ids
 * - `P site:<siteKey>` hash key -> JSON (site values, no expiry)
 *
 * Key names are built inside the scripts (the visitor index depends on a stored field), so the
 * store needs one Redis (or a primary with replicas), not a Redis Cluster.
 */

const PRELUDE = `
local P = ARGV[1]
local function key(kind, id) return P .. kind .. ':{' .. id .. '}' end
-- Numbers go to Redis as integers, never in exponent notation.
local function int(n) return string.format('%d', n) end
local KINDS = { 'session', 'history', 'seqs', 'task', 'waits', 'values', 'visitor' }
local function visitorIndex(site, vid)
  return P .. 'visitor-sessions:' .. string.len(site) .. ':' .. site .. ':' .. vid
end

-- Removes everything the session holds, and its entries in the indexes.
local function drop(id)
  local owner = redis.call('HMGET', key('session', id), 'siteKey', 'visitorId')
  if owner[1] and owner[2] then redis.call('SREM', visitorIndex(owner[1], owner[2]), id) end
  for _, kind in ipairs(KINDS) do redis.call('DEL', key(kind, id)) end
  redis.call('ZREM', P .. 'idle', id)
  redis.call('ZREM', P .. 'due', id)
  redis.call('ZREM', P .. 'wait-expiry', id)
end

-- True when the session exists and is not idle at now; an idle one is deleted on the spot, so
-- no caller ever sees it (the memory store's rule).
local function live(id, now)
  local f = redis.call('HMGET', key('session', id), 'lastActiveAt', 'ttl')
  if not f[1] then return false end
  if now - tonumber(f[1]) >= tonumber(f[2]) then
    drop(id)
    return false
  end
  return true
end

-- Like live, without deleting: for listings across sessions.
local function alive(id, now)
  local f = redis.call('HMGET', key('session', id), 'lastActiveAt', 'ttl')
  return f[1] ~= false and now - tonumber(f[1]) < tonumber(f[2])
end

-- The safety net: the session's keys expire (in Redis time) well after the session would turn
-- idle, so a deployment whose sweepers all stopped does not keep them for ever. Eviction itself
-- is decided from lastActiveAt by the sweeper and on access.
local function refresh(id)
  local f = redis.call('HMGET', key('session', id), 'ttl', 'siteKey', 'visitorId')
  if not f[1] then return end
  local ms = int(tonumber(f[1]) * 2 + 3600000)
  for _, kind in ipairs(KINDS) do redis.call('PEXPIRE', key(kind, id), ms) end
  if f[3] then redis.call('PEXPIRE', visitorIndex(f[2], f[3]), ms) end
end

local function activity(id, at)
  local s = key('session', id)
  local f = redis.call('HMGET', s, 'lastActiveAt', 'ttl')
  local last = math.max(tonumber(f[1]), at)
  redis.call('HSET', s, 'lastActiveAt', int(last))
  redis.call('ZADD', P .. 'idle', int(last + tonumber(f[2])), id)
end

-- The seqs the history holds: first .. nextSeq - 1 (a message's place in the list is its seq
-- minus first: seqs have no gaps, and the oldest go first).
local function seqRange(id)
  local length = redis.call('LLEN', key('history', id))
  local nextSeq = tonumber(redis.call('HGET', key('session', id), 'nextSeq'))
  return nextSeq - length, nextSeq
end

-- The messages from seq want on, for a caller that holds seqs heldFrom..heldTo already
-- (0 0: none). A stored message never changes, so when what it holds reaches back to want and
-- is not beyond the history, only the newer ones are sent, and used is 1; else all, used 0.
local function sendRange(id, want, heldFrom, heldTo)
  local first, nextSeq = seqRange(id)
  local from, used = want, 0
  if heldFrom > 0 and heldFrom <= want and heldTo >= want - 1 and heldTo < nextSeq then
    from, used = heldTo + 1, 1
  end
  if from >= nextSeq then return {}, used end
  return redis.call('LRANGE', key('history', id), from - first, -1), used
end

-- Stores a message (JSON without seq) unless its id is known; returns seq, duplicate (0 | 1).
local function append(id, messageId, json, maxHistory)
  local seqs = key('seqs', id)
  local known = redis.call('HGET', seqs, messageId)
  if known then return tonumber(known), 1 end
  local seq = redis.call('HINCRBY', key('session', id), 'nextSeq', 1) - 1
  local history = key('history', id)
  -- The seq goes first, so the stored JSON is the message with its seq.
  local stored = '{"seq":' .. int(seq) .. ',' .. string.sub(json, 2)
  local length = redis.call('RPUSH', history, stored)
  redis.call('HSET', seqs, messageId, int(seq))
  while length > maxHistory do
    local dropped = redis.call('LPOP', history)
    redis.call('HDEL', seqs, cjson.decode(dropped).id)
    length = length - 1
  end
  return seq, 0
end

-- The session's waits not expired at now (expired ones are removed), and the index updated.
local function liveWaits(id, now)
  local k = key('waits', id)
  local all = redis.call('LRANGE', k, 0, -1)
  local kept, earliest = {}, nil
  for _, w in ipairs(all) do
    local expires = tonumber(cjson.decode(w).expiresAt)
    if expires > now then
      table.insert(kept, w)
      if earliest == nil or expires < earliest then earliest = expires end
    end
  end
  if #kept ~= #all then
    redis.call('DEL', k)
    for _, w in ipairs(kept) do redis.call('RPUSH', k, w) end
  end
  if earliest == nil then
    redis.call('ZREM', P .. 'wait-expiry', id)
  else
    redis.call('ZADD', P .. 'wait-expiry', int(earliest), id)
  end
  return kept
end

-- Replaces the session's waits with kept (JSON strings), oldest first.
local function setWaits(id, kept, now)
  local k = key('waits', id)
  redis.call('DEL', k)
  for _, w in ipairs(kept) do redis.call('RPUSH', k, w) end
  liveWaits(id, now)
end

-- Session ids a wait filter selects: one session's (mode 'session'), or a visitor's on a site.
local function selected(mode, a, b, now)
  if mode == 'session' then
    if live(a, now) then return { a } end
    return {}
  end
  local ids = {}
  for _, id in ipairs(redis.call('SMEMBERS', visitorIndex(a, b))) do
    if alive(id, now) then table.insert(ids, id) end
  end
  table.sort(ids)
  return ids
end
`;

/**
 * The scripts by command name. ARGV[1] is always the prefix; the rest is listed per script.
 * `false` (nil) answers mean "no such live session" unless said otherwise.
 */
const SCRIPTS = {
  // id siteKey token visitorId('' = none) now ttl
  lefluxCreate: `
local id, site, token, vid, now, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local s = key('session', id)
redis.call('HSET', s, 'id', id, 'siteKey', site, 'token', token, 'createdAt', int(now),
  'lastActiveAt', int(now), 'nextSeq', '1', 'ttl', int(ttl))
if vid ~= '' then
  redis.call('HSET', s, 'visitorId', vid)
  redis.call('SADD', visitorIndex(site, vid), id)
end
redis.call('ZADD', P .. 'idle', int(now + ttl), id)
refresh(id)
return redis.call('HGETALL', s)`,

  // id now
  lefluxGet: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
return redis.call('HGETALL', key('session', id))`,

  // id at now -> 1 | false
  lefluxTouch: `
local id, at, now = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if not live(id, now) then return false end
activity(id, at)
refresh(id)
return 1`,

  // id url title hasTitle('1' | '0') now -> 1 | false
  lefluxSetPage: `
local id, url, title, hasTitle, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if not live(id, now) then return false end
redis.call('HSET', key('session', id), 'url', url)
if hasTitle == '1' then redis.call('HSET', key('session', id), 'title', title) end
return 1`,

  // id by at set now -> 1 | false. set '1': an operator took over (by, at); '0': handed back.
  // Not activity.
  lefluxSetTakeover: `
local id, by, at, set, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if not live(id, now) then return false end
if set == '1' then
  redis.call('HSET', key('session', id), 'takeoverBy', by, 'takeoverAt', at)
else
  redis.call('HDEL', key('session', id), 'takeoverBy', 'takeoverAt')
end
return 1`,

  // id userId verified now -> 1 | false. verified '1' or '0'. Not activity.
  lefluxSetIdentity: `
local id, userId, verified, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if not live(id, now) then return false end
redis.call('HSET', key('session', id), 'userId', userId, 'userVerified', verified)
return 1`,

  // id -> 1 | 0 (whether it existed, idle or not)
  lefluxDelete: `
local id = ARGV[2]
if redis.call('EXISTS', key('session', id)) == 0 then return 0 end
drop(id)
return 1`,

  // now batch -> ids evicted. Claims them: each id is evicted (and returned) by one call only,
  // whichever node's sweeper runs it, so only one node tells the session's tabs.
  lefluxSweep: `
local now, batch = tonumber(ARGV[2]), tonumber(ARGV[3])
local evicted = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'idle', '-inf', int(now), 'LIMIT', 0, batch)) do
  local f = redis.call('HMGET', key('session', id), 'lastActiveAt', 'ttl')
  if not f[1] then
    -- Gone already (deleted, or expired by the safety net).
    redis.call('ZREM', P .. 'idle', id)
  elseif now - tonumber(f[1]) >= tonumber(f[2]) then
    drop(id)
    table.insert(evicted, id)
  else
    redis.call('ZADD', P .. 'idle', int(tonumber(f[1]) + tonumber(f[2])), id)
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'wait-expiry', '-inf', int(now), 'LIMIT', 0, batch)) do
  if redis.call('EXISTS', key('session', id)) == 1 then
    liveWaits(id, now)
  else
    redis.call('ZREM', P .. 'wait-expiry', id)
  end
end
return evicted`,

  // -> live session count (every node's)
  lefluxCount: `
return redis.call('ZCARD', P .. 'idle')`,

  // id messageId json now maxHistory unlessTakenOver -> { seq, duplicate } | 'taken_over' | false
  lefluxAppend: `
local id, mid, json, now, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
if not live(id, now) then return false end
if ARGV[7] == '1' and redis.call('HEXISTS', key('session', id), 'takeoverBy') == 1 then
  return 'taken_over'
end
local seq, duplicate = append(id, mid, json, max)
if duplicate == 0 then refresh(id) end
return { seq, duplicate }`,

  // id messageId json socketId at url now maxHistory
  //   -> { 1, seq, duplicate, record } | { 0 } (another socket holds it) | false
  lefluxAppendVisitor: `
local id, mid, json, socket = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local at, url, now, max = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
if not live(id, now) then return false end
local s = key('session', id)
if redis.call('HGET', s, 'boundSocket') ~= socket then return { 0 } end
local seq, duplicate = append(id, mid, json, max)
if duplicate == 0 then
  activity(id, at)
  if url ~= '' then redis.call('HSET', s, 'url', url) end
  refresh(id)
end
return { 1, seq, duplicate, redis.call('HGETALL', s) }`,

  // id seq now heldFrom heldTo -> { messages, want, first, used } | false: the messages after
  // seq (see `sendRange`).
  lefluxAfter: `
local id, seq, now = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if not live(id, now) then return false end
local first, nextSeq = seqRange(id)
local want = math.max(seq + 1, first)
local messages, used = sendRange(id, want, tonumber(ARGV[5]), tonumber(ARGV[6]))
return { messages, want, first, used }`,

  // id limit now heldFrom heldTo -> { record, messages, want, first, used } | false: the
  // session and its newest `limit` messages (see `sendRange`).
  lefluxRecent: `
local id, limit, now = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if not live(id, now) then return false end
local first, nextSeq = seqRange(id)
local want = nextSeq - math.max(math.min(limit, nextSeq - first), 0)
local messages, used = sendRange(id, want, tonumber(ARGV[5]), tonumber(ARGV[6]))
return { redis.call('HGETALL', key('session', id)), messages, want, first, used }`,

  // id socketId now -> { previous holder or '' } | false
  lefluxBind: `
local id, socket, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return false end
local s = key('session', id)
local previous = redis.call('HGET', s, 'boundSocket')
redis.call('HSET', s, 'boundSocket', socket)
if previous and previous ~= socket then return { previous } end
return { '' }`,

  // id socketId now -> 1 | 0
  lefluxUnbind: `
local id, socket, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return 0 end
local s = key('session', id)
if redis.call('HGET', s, 'boundSocket') ~= socket then return 0 end
redis.call('HDEL', s, 'boundSocket')
return 1`,

  // id now -> { task json or false } | false
  lefluxTaskGet: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
return { redis.call('GET', key('task', id)) }`,

  // id taskId version json deadline('' = none) now -> 1 | 0 | false
  // Written only if it follows what is stored: version 1 where no task is, or the stored
  // task's next version. An ended task has no stored version, so an old copy cannot return.
  lefluxTaskSave: `
local id, tid, version, json, deadline, now = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7])
if not live(id, now) then return false end
local s = key('session', id)
local stored = redis.call('HMGET', s, 'taskId', 'taskVersion')
local follows
if not stored[1] then
  follows = version == 1
else
  follows = stored[1] == tid and version == tonumber(stored[2]) + 1
end
if not follows then return 0 end
redis.call('SET', key('task', id), json)
redis.call('HSET', s, 'taskId', tid, 'taskVersion', int(version))
if deadline == '' then
  redis.call('ZREM', P .. 'due', id)
else
  redis.call('ZADD', P .. 'due', deadline, id)
end
refresh(id)
return 1`,

  // id taskId now -> 1 | 0
  lefluxTaskDelete: `
local id, tid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return 0 end
local s = key('session', id)
if redis.call('HGET', s, 'taskId') ~= tid then return 0 end
redis.call('DEL', key('task', id))
redis.call('HDEL', s, 'taskId', 'taskVersion')
redis.call('ZREM', P .. 'due', id)
return 1`,

  // now -> ids of live sessions whose task deadline passed
  lefluxDue: `
local now = tonumber(ARGV[2])
local due = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'due', '-inf', int(now))) do
  local f = redis.call('HMGET', key('session', id), 'lastActiveAt', 'ttl', 'taskId')
  if not f[1] or not f[3] then
    redis.call('ZREM', P .. 'due', id)
  elseif now - tonumber(f[1]) < tonumber(f[2]) then
    table.insert(due, id)
  end
end
return due`,

  // id json(without the owner fields) now -> the stored wait (JSON) | false
  lefluxWaitAdd: `
local id, json, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return false end
local owner = redis.call('HMGET', key('session', id), 'siteKey', 'visitorId')
local head = '{"sessionId":' .. cjson.encode(id) .. ',"siteKey":' .. cjson.encode(owner[1])
if owner[2] then head = head .. ',"visitorId":' .. cjson.encode(owner[2]) end
local stored = head .. ',' .. string.sub(json, 2)
local kept = liveWaits(id, now)
table.insert(kept, stored)
setWaits(id, kept, now)
refresh(id)
return stored`,

  // mode('session' | 'visitor') a b now -> live waits, oldest first per session
  lefluxWaitList: `
local mode, a, b, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local out = {}
for _, id in ipairs(selected(mode, a, b, now)) do
  for _, w in ipairs(liveWaits(id, now)) do table.insert(out, w) end
end
return out`,

  // id now -> { oldest live wait or '' } | false
  lefluxWaitTake: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
local kept = liveWaits(id, now)
if #kept == 0 then return { '' } end
local taken = table.remove(kept, 1)
setWaits(id, kept, now)
return { taken }`,

  // mode a b scope hasScope('1' | '0') now -> how many were removed
  lefluxWaitClear: `
local mode, a, b, scope, hasScope, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local cleared = 0
for _, id in ipairs(selected(mode, a, b, now)) do
  local all = liveWaits(id, now)
  local kept = {}
  for _, w in ipairs(all) do
    if hasScope == '1' and cjson.decode(w).scope ~= scope then table.insert(kept, w) end
  end
  cleared = cleared + #all - #kept
  if #kept ~= #all then setWaits(id, kept, now) end
end
return cleared`,

  // id key now -> { json or false } | false
  lefluxValueGet: `
local id, k, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return false end
return { redis.call('HGET', key('values', id), k) }`,

  // id key json now -> 1 | false
  lefluxValueSave: `
local id, k, json, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if not live(id, now) then return false end
redis.call('HSET', key('values', id), k, json)
refresh(id)
return 1`,

  // id key now -> { 1 | 0 } | false
  lefluxValueEvict: `
local id, k, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not live(id, now) then return false end
return { redis.call('HDEL', key('values', id), k) }`,

  // id now -> { flat hash } | false
  lefluxValueAll: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
return { redis.call('HGETALL', key('values', id)) }`,

  // id now retained... -> 1 | false
  lefluxValueClear: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
local keep = {}
for i = 4, #ARGV do keep[ARGV[i]] = true end
local k = key('values', id)
for _, name in ipairs(redis.call('HKEYS', k)) do
  if not keep[name] then redis.call('HDEL', k, name) end
end
return 1`,

  // id now -> { flat hash } | false
  lefluxVisitorGet: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
return { redis.call('HGETALL', key('visitor', id)) }`,

  // id now field value ... -> { flat hash } | false
  lefluxVisitorSave: `
local id, now = ARGV[2], tonumber(ARGV[3])
if not live(id, now) then return false end
local k = key('visitor', id)
for i = 4, #ARGV, 2 do redis.call('HSET', k, ARGV[i], ARGV[i + 1]) end
refresh(id)
return { redis.call('HGETALL', k) }`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Every script with the prelude, ready for ioredis's `defineCommand` (no KEYS: see above). */
export const REDIS_SCRIPTS: ReadonlyArray<{ name: ScriptName; lua: string }> = (
  Object.keys(SCRIPTS) as ScriptName[]
).map((name) => ({ name, lua: `${PRELUDE}\n${SCRIPTS[name]}` }));
