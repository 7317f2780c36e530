/**
 * @bearer-guard/redis: `redisStore()`, the shared store for an API running as more than one
 * process: use counts and revocations seen by every instance.
 */
export { redisStore } from './redis-store.js'
export type { RedisConnection, RedisStore, RedisStoreOptions } from './redis-store.js'
