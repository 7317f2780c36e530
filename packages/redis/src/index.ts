/**
 * @bearer-guard/redis: `redisStore()`, the shared store for an API running as more than one
 * process: use counts and revocations seen by every instance.
 */
export { redisStore } from './redis-store.js'
export type { RedisStore } from './redis-store.js'
export type { RedisStoreOptions } from './options.js'
export type { RedisConnection } from './connections.js'
