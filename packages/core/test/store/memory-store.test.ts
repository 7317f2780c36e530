import { describe, expect, it } from 'vitest'
import { memoryStore, StoreFull } from '../../src/store/memory-store.js'

const now = () => Date.now() / 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('memoryStore({ max })', () => {
  it('refuses a new counter when every slot holds a live one, rather than forget a count', async () => {
    const store = memoryStore({ max: 3 })
    for (const key of ['a', 'b', 'c']) await store.countUse(key, now() + 60)
    expect(() => store.countUse('d', now() + 60)).toThrow(StoreFull)
    // Existing counters keep counting: nothing was evicted.
    expect(await store.countUse('a', now() + 60)).toBe(2)
  })

  it('makes room again once counters expire', async () => {
    const store = memoryStore({ max: 2 })
    await store.countUse('a', now() + 1)
    await store.countUse('b', now() + 1)
    await sleep(1100)
    expect(await store.countUse('c', now() + 60)).toBe(1)
  })

  it('holds at most max counters through 50,000 distinct keys (bench/ feeds a million)', async () => {
    const store = memoryStore({ max: 1000 })
    let accepted = 0
    let refused = 0
    for (let i = 0; i < 50_000; i++) {
      try {
        await store.countUse(`key-${i}`, now() + 60)
        accepted++
      } catch (error) {
        expect(error).toBeInstanceOf(StoreFull)
        refused++
      }
    }
    expect(accepted).toBe(1000)
    expect(refused).toBe(49_000)
  })

  it('refuses a revocation when the jti table is full', async () => {
    const store = memoryStore({ max: 1 })
    await store.revoke({ kind: 'jti', jti: 'a', expiresAt: now() + 60 })
    expect(() => store.revoke({ kind: 'jti', jti: 'b', expiresAt: now() + 60 })).toThrow(StoreFull)
    expect(await store.isRevoked({ iss: 'i', jti: 'a' })).toBe(true)
  })

  it('forgets a global watermark once it expires', async () => {
    const store = memoryStore()
    await store.revoke({ kind: 'all', before: now(), expiresAt: now() + 1 })
    expect(await store.isRevoked({ iss: 'i', iat: now() - 10 })).toBe(true)
    await sleep(1100)
    expect(await store.isRevoked({ iss: 'i', iat: now() - 10 })).toBe(false)
  })

  it.each([[0], [-1], [1.5], [Number.NaN]])('refuses max %j', (max) => {
    expect(() => memoryStore({ max })).toThrow(/"memoryStore\.max"/)
  })
})
