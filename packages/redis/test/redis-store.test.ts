import { createClient } from '@redis/client'
import type { RedisClientType } from '@redis/client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '@bearer-guard/core'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { redisStore } from '@bearer-guard/redis'
import type { RedisStore, RedisStoreOptions } from '@bearer-guard/redis'
import { startRedis } from './redis-server.js'
import type { RedisServer } from './redis-server.js'

let server: RedisServer
let admin: RedisClientType
let issuer: LocalIssuer
let stores: RedisStore[] = []
let next = 0

beforeAll(async () => {
  server = await startRedis()
  admin = createClient({ url: server.url })
  // The outage tests stop the server: a client without an error listener would crash the run.
  admin.on('error', () => {})
  await admin.connect()
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()))
  stores = []
})
afterAll(async () => {
  await admin.close()
  await server.close()
  await issuer.close()
})

const now = () => Date.now() / 1000
/** A store call as a promise, whether it answers at once, with a promise, or by throwing. */
const settle = <T>(call: () => T | PromiseLike<T>) => Promise.resolve().then(call)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
async function open(options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const store = redisStore({
    url: server.url,
    prefix: `t${next++}:`,
    onError: () => {},
    ...options,
  } as RedisStoreOptions)
  stores.push(store)
  await store.ready()
  return store
}
async function calls(command: string): Promise<number> {
  const stats = await admin.info('commandstats')
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
}
const evalCalls = () => calls('eval')
const mgetCalls = () => calls('mget')
async function until(condition: () => Promise<boolean>, ms = 5000): Promise<number> {
  const started = performance.now()
  while (!(await condition())) {
    if (performance.now() - started > ms) throw new Error('condition not met in time')
    await sleep(20)
  }
  return performance.now() - started
}

const A = 'https://a.example/'

describe('redisStore(options)', () => {
  it('counts a use in one round trip, with a lifetime relative to now', async () => {
    // No heartbeat during the test: every EVAL counted is this use's.
    const store = await open({ prefix: 'expiry:', heartbeat: 3600 })
    const before = await evalCalls()
    expect(await store.countUse('k1', now() + 120)).toBe(1)
    expect(await evalCalls()).toBe(before + 1)
    const left = Number(await admin.sendCommand(['PTTL', 'expiry:use:k1']))
    expect(left).toBeGreaterThan(119_000)
    expect(left).toBeLessThanOrEqual(120_000)
  })

  it('asks Redis once per new token and subject, and answers a repeated check from memory', async () => {
    const store = await open()
    await store.revoke({ kind: 'jti', jti: 'gone', expiresAt: now() + 60 })
    const before = await mgetCalls()
    expect(await store.isRevoked({ iss: A, jti: 'gone', sub: 's', iat: now() })).toBe(true)
    expect(await store.isRevoked({ iss: A, jti: 'kept', sub: 's', iat: now() })).toBe(false)
    expect(await mgetCalls()).toBe(before + 2)
    for (let i = 0; i < 1000; i++) {
      const answer = store.isRevoked({ iss: A, jti: i % 2 ? 'gone' : 'kept', sub: 's', iat: now() })
      // From memory: an answer, not a promise.
      expect(answer).toBe(i % 2 === 1)
    }
    expect(await mgetCalls()).toBe(before + 2)
  })

  it('carries a revocation made by one store to another within a second, through pub/sub', async () => {
    const prefix = `shared-${next++}:`
    const writer = await open({ prefix })
    const reader = await open({ prefix })
    // The reader has cached that neither is revoked.
    expect(await reader.isRevoked({ iss: A, jti: 'j', sub: 'alice', iat: now() - 5 })).toBe(false)
    await writer.revoke({ kind: 'sub', sub: 'alice', before: now(), expiresAt: now() + 60 })
    const took = await until(async () =>
      reader.isRevoked({ iss: A, jti: 'j', sub: 'alice', iat: now() - 5 }),
    )
    expect(took).toBeLessThan(1000)
    await writer.revoke({ kind: 'jti', iss: A, jti: 'j2', expiresAt: now() + 60 })
    expect(await reader.isRevoked({ iss: A, jti: 'j2', sub: 'bob', iat: now() })).toBe(true)
  })

  it('finds revocations made before it started', async () => {
    const prefix = `early-${next++}:`
    const first = await open({ prefix })
    await first.revoke({ kind: 'jti', jti: 'j', expiresAt: now() + 60 })
    await first.revoke({ kind: 'sub', sub: 'bob', before: now(), expiresAt: now() + 60 })
    await first.revoke({ kind: 'all', before: now() - 100, expiresAt: now() + 60 })
    await first.revoke({ kind: 'all', iss: A, before: now() - 10, expiresAt: now() + 60 })
    const later = await open({ prefix })
    expect(await later.isRevoked({ iss: A, jti: 'j', iat: now() })).toBe(true)
    expect(await later.isRevoked({ iss: A, sub: 'bob', iat: now() - 1 })).toBe(true)
    expect(await later.isRevoked({ iss: 'https://b/', sub: 'eve', iat: now() - 200 })).toBe(true)
    expect(await later.isRevoked({ iss: 'https://b/', sub: 'eve', iat: now() - 50 })).toBe(false)
    expect(await later.isRevoked({ iss: A, sub: 'eve', iat: now() - 50 })).toBe(true)
  })

  it('keeps stores with different prefixes apart', async () => {
    const a = await open({ prefix: 'apart-a:' })
    const b = await open({ prefix: 'apart-b:' })
    await a.countUse('same', now() + 60)
    expect(await b.countUse('same', now() + 60)).toBe(1)
  })

  it('fails fast while Redis is down, then recovers by itself with no use lost or double-counted', async () => {
    const store = await open({ prefix: 'outage:' })
    expect(await store.countUse('k', now() + 600)).toBe(1)
    await server.stop()
    try {
      const started = performance.now()
      await expect(store.countUse('k', now() + 600)).rejects.toThrow()
      await expect(
        store.revoke({ kind: 'sub', sub: 'x', before: now(), expiresAt: now() + 60 }),
      ).rejects.toThrow()
      // Revocation checks fail closed as soon as the subscription's loss is noticed.
      await until(
        () =>
          settle(() => store.isRevoked({ iss: A, sub: 'x', iat: now() })).then(
            () => false,
            () => true,
          ),
        1000,
      )
      expect(performance.now() - started).toBeLessThan(1000)
    } finally {
      await server.start()
    }
    await until(
      async () =>
        settle(() => store.countUse('probe', now() + 60)).then(
          () => true,
          () => false,
        ),
      10_000,
    )
    await until(
      async () =>
        settle(() => store.isRevoked({ iss: A, sub: 'x' })).then(
          () => true,
          () => false,
        ),
      10_000,
    )
    // The refused calls counted nothing: the count continues from 1, persisted across the restart.
    expect(await store.countUse('k', now() + 600)).toBe(2)
  })

  it('rejects when Redis answers slower than the timeout', async () => {
    const store = await open({ prefix: 'slow:', timeout: '200ms' })
    await admin.sendCommand(['CLIENT', 'PAUSE', '1000', 'ALL'])
    const started = performance.now()
    await expect(store.countUse('k', now() + 60)).rejects.toThrow(/did not answer in time/)
    expect(performance.now() - started).toBeLessThan(600)
    await sleep(1000)
  })

  it('makes the guard answer 503 store_unavailable while Redis is down', async () => {
    const store = await open({ prefix: 'guard:' })
    const guard = createGuard({
      issuer: issuer.url,
      audience: issuer.audience,
      keys: issuer.jwks(),
      store,
    })
    const request = async () =>
      guard.route({ maxUses: 5 })({
        method: 'GET',
        url: '/',
        rawHeaders: ['Authorization', `Bearer ${await issuer.mint()}`],
      })
    expect((await request()).ok).toBe(true)
    await server.stop()
    try {
      expect(await request()).toMatchObject({ ok: false, reason: 'store_unavailable' })
    } finally {
      await server.start()
    }
    await until(async () => (await request()).ok, 10_000)
  })

  it('rejects ready() when Redis cannot be reached', async () => {
    const store = redisStore({ url: 'redis://127.0.0.1:1', timeout: 0.3, onError: () => {} })
    stores.push(store)
    await expect(store.ready()).rejects.toThrow(/did not answer in time/)
    await expect(store.countUse('k', now() + 60)).rejects.toThrow()
  })

  it('copies a client it is given, leaving that client alone', async () => {
    const client = createClient({ url: server.url })
    client.on('error', () => {})
    await client.connect()
    const store = redisStore({ client: client as never, prefix: 'copied:' })
    await store.ready()
    expect(await store.countUse('k', now() + 60)).toBe(1)
    await store.close()
    expect(client.isReady).toBe(true)
    await client.close()
  })

  it.each([
    [{}, /"redisStore"/],
    [{ url: 'redis://x', client: {} }, /"redisStore"/],
    [{ url: 'http://x' }, /"redisStore\.url"/],
    [{ client: {} }, /"redisStore\.client"/],
    [{ url: 'redis://x', prefix: 'a{b}' }, /"redisStore\.prefix"/],
    [{ url: 'redis://x', timeout: 0 }, /"redisStore\.timeout"/],
    [{ url: 'redis://x', timeout: 'soon' }, /"redisStore\.timeout"/],
    [{ url: 'redis://x', resync: 30 }, /"redisStore\.resync" is not an option; revocations/],
    [{ url: 'redis://x', heartbeat: 0 }, /"redisStore\.heartbeat"/],
    [{ url: 'redis://x', cacheSize: 0 }, /"redisStore\.cacheSize"/],
    [{ url: 'redis://x', cacheSize: 1.5 }, /"redisStore\.cacheSize"/],
    [{ url: 'redis://x', ttl: 1 }, /"redisStore\.ttl"/],
    [{ url: 'redis://x', onError: 'log' }, /"redisStore\.onError"/],
  ])('refuses %j at construction', (options, message) => {
    expect(() => redisStore(options as RedisStoreOptions)).toThrow(message)
  })
})
