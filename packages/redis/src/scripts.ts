/**
 * The Lua scripts: each runs in one round trip and touches keys of one hash slot, so it works
 * unchanged on Redis Cluster. Times are milliseconds since the epoch on the Redis side.
 */

/** KEYS[1] = the use counter; ARGV[1] = expiry (ms). Counts one use and returns the count. */
export const COUNT_USE = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return count
`

/**
 * KEYS = jti expiries (zset), subject expiries (zset), subject watermarks (hash), global
 * watermark (string); ARGV = kind, id, before, expiresAt (ms), now (ms), channel, message.
 * Records a revocation (a later watermark wins), prunes what expired, and publishes the record
 * so every process updates its mirror.
 */
export const REVOKE = `
local kind, id, before, expires, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if kind == 'jti' then
  redis.call('ZADD', KEYS[1], 'GT', expires, id)
elseif kind == 'sub' then
  local current = tonumber(redis.call('HGET', KEYS[3], id))
  if current == nil or before > current then redis.call('HSET', KEYS[3], id, before) end
  redis.call('ZADD', KEYS[2], 'GT', expires, id)
else
  -- GET answers false, not nil, for a missing key.
  local current = redis.call('GET', KEYS[4])
  local currentBefore = nil
  if current then currentBefore = tonumber(string.match(current, '^[^:]+')) end
  if currentBefore == nil or before > currentBefore then
    redis.call('SET', KEYS[4], before .. ':' .. expires, 'PXAT', expires)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, sub in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do redis.call('HDEL', KEYS[3], sub) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
`

/**
 * Same KEYS as REVOKE; ARGV[1] = now (ms). Returns every live revocation:
 * { jti, expiresAt, ... }, { sub, before, expiresAt, ... } and the global "before:expiresAt".
 */
export const SNAPSHOT = `
local now = ARGV[1]
local jtis = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
local subs = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf', 'WITHSCORES')
local watermarks = {}
for i = 1, #subs, 2 do
  watermarks[#watermarks + 1] = subs[i]
  watermarks[#watermarks + 1] = redis.call('HGET', KEYS[3], subs[i]) or '0'
  watermarks[#watermarks + 1] = subs[i + 1]
end
return { jtis, watermarks, redis.call('GET', KEYS[4]) or '' }
`
