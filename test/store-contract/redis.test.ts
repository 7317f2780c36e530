import { afterAll, beforeAll } from 'vitest'
import { redisStore } from '@bearer-guard/redis'
import type { RedisStore } from '@bearer-guard/redis'
import { startRedis } from '../../packages/redis/test/redis-server.js'
import type { RedisServer } from '../../packages/redis/test/redis-server.js'
import { storeContract } from './contract.js'

let server: RedisServer
const stores: RedisStore[] = []
let next = 0

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()))
  await server.close()
})

// A fresh prefix per test gives each one an empty store on the same server.
storeContract('redisStore()', async () => {
  const store = redisStore({ url: server.url, prefix: `contract-${next++}:` })
  stores.push(store)
  await store.ready()
  return store
})
