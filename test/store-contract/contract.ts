/**
 * What every Store must do, as one suite: run it on memoryStore() here and on redisStore() in
 * @bearer-guard/redis. `make` returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest'
import type { Store } from '@bearer-guard/core'

const now = () => Date.now() / 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const A = 'https://a.example/'
const B = 'https://b.example/'

export function storeContract(name: string, make: () => Store | Promise<Store>): void {
  describe(`${name}: the Store contract`, () => {
    it('counts uses per key, starting at 1', async () => {
      const store = await make()
      expect(await store.countUse('a', now() + 60)).toBe(1)
      expect(await store.countUse('a', now() + 60)).toBe(2)
      expect(await store.countUse('b', now() + 60)).toBe(1)
    })

    it('counts 50 concurrent uses exactly', async () => {
      const store = await make()
      const counts = await Promise.all(
        Array.from({ length: 50 }, () => store.countUse('c', now() + 60)),
      )
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    })

    it('forgets a count when it expires with its token', async () => {
      const store = await make()
      await store.countUse('d', now() + 1)
      await sleep(1100)
      expect(await store.countUse('d', now() + 60)).toBe(1)
    })

    it('keeps counting a token that expires in the far future (exp 1e300)', async () => {
      const store = await make()
      expect(await store.countUse('far', 1e300)).toBe(1)
      expect(await store.countUse('far', 1e300)).toBe(2)
    })

    it('revokes one token by jti', async () => {
      const store = await make()
      await store.revoke({ kind: 'jti', jti: 'j1', expiresAt: now() + 60 })
      expect(await store.isRevoked({ iss: A, jti: 'j1', sub: 'u', iat: now() })).toBe(true)
      expect(await store.isRevoked({ iss: A, jti: 'j2', sub: 'u', iat: now() })).toBe(false)
      expect(await store.isRevoked({ iss: A, sub: 'u', iat: now() })).toBe(false)
    })

    it('forgets a jti revocation once it expires', async () => {
      const store = await make()
      await store.revoke({ kind: 'jti', jti: 'j3', expiresAt: now() + 1 })
      await sleep(1100)
      expect(await store.isRevoked({ iss: A, jti: 'j3' })).toBe(false)
    })

    it("revokes a subject's tokens issued before the watermark, not after", async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'sub', sub: 'alice', before: t, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: A, sub: 'alice', iat: t - 1 })).toBe(true)
      expect(await store.isRevoked({ iss: A, sub: 'alice', iat: t })).toBe(false)
      expect(await store.isRevoked({ iss: A, sub: 'bob', iat: t - 1 })).toBe(false)
      expect(await store.isRevoked({ iss: A, sub: 'alice' })).toBe(true)
    })

    it('keeps the later of two subject watermarks', async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'sub', sub: 'carol', before: t, expiresAt: t + 60 })
      await store.revoke({ kind: 'sub', sub: 'carol', before: t - 100, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: A, sub: 'carol', iat: t - 50 })).toBe(true)
    })

    it('revokes every token issued before a global watermark', async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'all', before: t, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: A, sub: 'anyone', iat: t - 10 })).toBe(true)
      expect(await store.isRevoked({ iss: B, jti: 'x', iat: t + 1 })).toBe(false)
      expect(await store.isRevoked({ iss: B })).toBe(true)
    })

    it('keeps a revocation naming an issuer to that issuer', async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'jti', iss: B, jti: 'shared', expiresAt: t + 60 })
      await store.revoke({ kind: 'sub', iss: B, sub: 'dave', before: t, expiresAt: t + 60 })
      await store.revoke({ kind: 'all', iss: B, before: t - 100, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: B, jti: 'shared', iat: t })).toBe(true)
      expect(await store.isRevoked({ iss: A, jti: 'shared', iat: t })).toBe(false)
      expect(await store.isRevoked({ iss: B, sub: 'dave', iat: t - 1 })).toBe(true)
      expect(await store.isRevoked({ iss: A, sub: 'dave', iat: t - 1 })).toBe(false)
      expect(await store.isRevoked({ iss: B, sub: 'erin', iat: t - 200 })).toBe(true)
      expect(await store.isRevoked({ iss: A, sub: 'erin', iat: t - 200 })).toBe(false)
    })

    it('applies the later watermark of an issuer and of every issuer', async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'sub', iss: A, sub: 'frank', before: t - 100, expiresAt: t + 60 })
      await store.revoke({ kind: 'sub', sub: 'frank', before: t - 10, expiresAt: t + 60 })
      await store.revoke({ kind: 'all', iss: A, before: t - 5, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: A, sub: 'frank', iat: t - 50 })).toBe(true)
      expect(await store.isRevoked({ iss: B, sub: 'frank', iat: t - 50 })).toBe(true)
      expect(await store.isRevoked({ iss: A, sub: 'gina', iat: t - 6 })).toBe(true)
      expect(await store.isRevoked({ iss: B, sub: 'gina', iat: t - 6 })).toBe(false)
    })

    it('tells identifiers apart exactly, lone surrogates and U+FFFD included', async () => {
      const store = await make()
      const t = Math.floor(now())
      await store.revoke({ kind: 'jti', jti: 'id-\uD800', expiresAt: t + 60 })
      await store.revoke({ kind: 'sub', sub: 'sub-\uDFFF', before: t, expiresAt: t + 60 })
      expect(await store.isRevoked({ iss: A, jti: 'id-\uD800', iat: t })).toBe(true)
      expect(await store.isRevoked({ iss: A, jti: 'id-\uFFFD', iat: t })).toBe(false)
      expect(await store.isRevoked({ iss: A, sub: 'sub-\uDFFF', iat: t - 1 })).toBe(true)
      expect(await store.isRevoked({ iss: A, sub: 'sub-\uFFFD', iat: t - 1 })).toBe(false)
      expect(await store.countUse('use-\uD800', t + 60)).toBe(1)
      expect(await store.countUse('use-\uFFFD', t + 60)).toBe(1)
    })
  })
}
