/**
 * The Lua scripts. Each runs in one round trip, touches keys of one hash slot (so it works
 * unchanged on Redis Cluster), takes only numbers checked before it is sent, and writes
 * nothing when any of its steps could fail. Lifetimes are relative (`PX`, `PEXPIRE`): an
 * expiry never depends on Redis's clock agreeing with the application's.
 */

/**
 * KEYS[1] = the use counter; ARGV[1] = its lifetime in ms (an integer >= 1). Counts one use
 * and returns the count. INCR first: it is the one step that can fail (a key holding something
 * else), and PEXPIRE cannot once the lifetime is a valid integer.
 */
export const COUNT_USE = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return count
`

/**
 * KEYS[1] = the sequence counter, KEYS[2] = the revocation's key (a jti or subject record, or
 * the hash of global watermarks); ARGV = kind, value (seconds: a jti's expiry, a watermark),
 * lifetime (ms, an integer >= 1), hash field (global only), channel, record (JSON), and the
 * record's "value:expiresAt" (seconds). Records the revocation, keeping the later value and the
 * longer lifetime, counts it in the sequence, and publishes `{"seq":…,"record":…}` so every
 * process updates what it knows at once. Everything that can fail (reading a value that is not
 * ours, INCR) runs before the first write.
 */
export const REVOKE = `
local kind, value, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local stored, keep = ARGV[7], false
if kind == 'all' then
  local current = redis.call('HGET', KEYS[2], ARGV[4])
  keep = current and tonumber(cjson.decode(current).before) >= value
else
  local current = redis.call('GET', KEYS[2])
  if current and tonumber(string.match(current, '^[^:]*')) > value then stored = current end
  local left = redis.call('PTTL', KEYS[2])
  if left > ttl then ttl = left end
end
local seq = redis.call('INCR', KEYS[1])
if kind == 'all' then
  if not keep then redis.call('HSET', KEYS[2], ARGV[4], ARGV[6]) end
else
  redis.call('SET', KEYS[2], stored, 'PX', ttl)
end
redis.call('PUBLISH', ARGV[5], '{"seq":' .. seq .. ',"record":' .. ARGV[6] .. '}')
return seq
`

/**
 * KEYS[1] = the sequence counter, KEYS[2] = the hash of global watermarks; ARGV[1] = now (ms,
 * the application's clock) to prune watermarks past their expiry. Returns the sequence number
 * and every global watermark still alive, as [seq, { record JSON, ... }]. The hash holds one
 * field per issuer at most. Every field is decoded before the one write (HDEL of the expired).
 */
export const SYNC = `
local alive, expired = {}, {}
local fields = redis.call('HGETALL', KEYS[2])
for i = 1, #fields, 2 do
  if tonumber(cjson.decode(fields[i + 1]).expiresAt) * 1000 <= tonumber(ARGV[1]) then
    expired[#expired + 1] = fields[i]
  else
    alive[#alive + 1] = fields[i + 1]
  end
end
local seq = redis.call('GET', KEYS[1]) or '0'
if #expired > 0 then redis.call('HDEL', KEYS[2], unpack(expired)) end
return { seq, alive }
`

/**
 * KEYS[1] = the sequence counter; ARGV = this process's heartbeat channel and a nonce. Publishes
 * the nonce and returns the sequence number as of that moment: when the nonce arrives on the
 * subscription, every revocation published before it has arrived too (Redis delivers one
 * connection's messages in order), so a lower count seen means a message was missed.
 */
export const HEARTBEAT = `
redis.call('PUBLISH', ARGV[1], ARGV[2])
return redis.call('GET', KEYS[1]) or '0'
`
