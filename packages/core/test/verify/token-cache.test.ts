// The verified-token cache: what it skips (the signature check, nothing else) and when it must
// not be used (another token, another configuration, expiry, a changed key set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, encode } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { createGuard } from '../../src/guard.js'
import { localKeys } from '../../src/keys/local-keys.js'
import { tokenCache } from '../../src/verify/token-cache.js'
import { verifyToken } from '../../src/verify/verify-token.js'
import type { IssuerConfig, VerifyConfig } from '../../src/verify/verify-token.js'
import { DEFAULT_TYP } from '../../src/verify/typ.js'
import { decide, localGuard, outcome } from '../helpers.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const now = () => Math.floor(Date.now() / 1000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A verify config whose key source counts lookups and can be told its keys changed. */
function counted(options: { cache?: boolean; maxTokenAge?: number; tolerance?: number } = {}) {
  const local = localKeys(issuer.jwks(), new Set(['ES256']), 'keys')
  const state = { lookups: 0, generation: 0 }
  const issuerConfig: IssuerConfig = {
    issuer: issuer.url,
    audience: [issuer.audience],
    algorithms: local.algorithms,
    typ: DEFAULT_TYP,
    keys: {
      lookup: (alg, kid) => (state.lookups++, local.source.lookup(alg, kid)),
      generation: () => state.generation,
    },
  }
  const config: VerifyConfig = {
    issuers: new Map([[issuer.url, issuerConfig]]),
    clockTolerance: options.tolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    tokenCache: options.cache === false ? undefined : tokenCache(undefined),
  }
  return { config, state }
}

describe('the verified-token cache', () => {
  it('verifies a repeated token once', async () => {
    const { config, state } = counted()
    const token = await issuer.mint()
    for (let i = 0; i < 5; i++) expect((await verifyToken(token, config, now())).ok).toBe(true)
    expect(state.lookups).toBe(1)
  })

  it('answers a miss with local keys, a hit, and a refusal before any crypto, without a promise', async () => {
    const { config, state } = counted()
    const token = await issuer.mint()
    // The signature check is synchronous: with keys at hand, even a miss needs no promise.
    const miss = verifyToken(token, config, now())
    expect(miss).not.toBeInstanceOf(Promise)
    expect((miss as Awaited<typeof miss>).ok).toBe(true)
    expect(state.lookups).toBe(1)
    const hit = verifyToken(token, config, now())
    expect(hit).not.toBeInstanceOf(Promise)
    expect((hit as Awaited<typeof hit>).ok).toBe(true)
    const unknownKid = verifyToken(await issuer.mint({}, { kid: 'nobody' }), config, now())
    expect(unknownKid).toEqual({ ok: false, reason: 'unknown_key' })
  })

  it('verifies every time when turned off', async () => {
    const { config, state } = counted({ cache: false })
    const token = await issuer.mint()
    for (let i = 0; i < 3; i++) await verifyToken(token, config, now())
    expect(state.lookups).toBe(3)
  })

  it('never lets two tokens share an entry', async () => {
    const { config, state } = counted()
    const token = await issuer.mint()
    await verifyToken(token, config, now())
    const [header, payload] = token.split('.')
    const forged = `${header}.${payload}.${encode('not the signature')}`
    expect(await verifyToken(forged, config, now())).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    })
    expect(state.lookups).toBe(2)
  })

  it('never reuses an entry for another token that ends the same way', async () => {
    // Entries are found by a token's last characters: a token that shares them (here, a
    // changed payload under the same signature) must still be verified, and refused.
    const { config, state } = counted()
    const token = await issuer.mint({ sub: 'alice' })
    await verifyToken(token, config, now())
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object
    const forged = `${header}.${encode(JSON.stringify({ ...claims, sub: 'mallory' }))}.${signature}`
    expect(forged.slice(-32)).toBe(token.slice(-32))
    expect(await verifyToken(forged, config, now())).toMatchObject({ reason: 'bad_signature' })
    expect(state.lookups).toBe(2)
    // The forgery took the slot; the real token is verified again, and still accepted.
    expect(await verifyToken(token, config, now())).toMatchObject({ ok: true })
    expect(state.lookups).toBe(3)
    // Nor does the grammar check skip a credential that only ends like a remembered token.
    const guard = localGuard(issuer)
    expect(await decide(guard, token)).toMatchObject({ ok: true })
    expect(await decide(guard, `a b${token}`)).toMatchObject({ reason: 'malformed_header' })
  })

  it('remembers a bad signature too, so a replayed forgery costs no crypto', async () => {
    const { config, state } = counted()
    const forged = await issuer.mint({}, { signature: 'corrupt' })
    for (let i = 0; i < 3; i++)
      expect(await verifyToken(forged, config, now())).toMatchObject({ reason: 'bad_signature' })
    expect(state.lookups).toBe(1)
  })

  it('forgets everything when the key set changes', async () => {
    const { config, state } = counted()
    const token = await issuer.mint()
    const forged = await issuer.mint({}, { signature: 'corrupt' })
    await verifyToken(token, config, now())
    await verifyToken(forged, config, now())
    state.generation++
    await verifyToken(token, config, now())
    await verifyToken(forged, config, now())
    expect(state.lookups).toBe(4)
  })

  it('re-checks the times of a remembered token: it never outlives exp', async () => {
    const { config } = counted({ tolerance: 0 })
    const token = await issuer.mint({ exp: '+2s' })
    expect((await verifyToken(token, config, now())).ok).toBe(true)
    expect(await verifyToken(token, config, now() + 3)).toMatchObject({
      ok: false,
      reason: 'expired',
    })
  })

  it('still applies maxTokenAge to a remembered token', async () => {
    const { config } = counted({ maxTokenAge: 60 })
    const token = await issuer.mint({ iat: '-30s' })
    expect((await verifyToken(token, config, now())).ok).toBe(true)
    expect(await verifyToken(token, config, now() + 60)).toMatchObject({
      ok: false,
      reason: 'too_old',
    })
  })

  it('hands out frozen claims in a fresh outer object per request', async () => {
    const { config } = counted()
    const token = await issuer.mint({ roles: ['user'] })
    const first = await verifyToken(token, config, now())
    const second = await verifyToken(token, config, now())
    if (!first.ok || !second.ok) throw new Error('expected acceptance')
    expect(first.auth).not.toBe(second.auth)
    expect(first.auth.payload).toBe(second.auth.payload)
    expect(() => {
      ;(first.auth.payload.roles as string[]).push('admin')
    }).toThrow(TypeError)
    expect(Object.isFrozen(first.auth.header)).toBe(true)
  })

  it('is per guard: two configurations never share an entry', async () => {
    const token = await issuer.mint()
    const forApi = localGuard(issuer)
    const forOther = localGuard(issuer, { audience: 'https://other.example' })
    expect(await outcome(decide(forApi, token))).toBe('ok')
    expect(await outcome(decide(forOther, token))).toBe('wrong_audience')
  })

  it('still runs revocation, use counts, URL binding and route policies on a hit', async () => {
    const guard = localGuard(issuer)
    const token = await issuer.mint({ jti: 'cached', url: '/pay', scope: 'pay' })
    expect(
      await outcome(
        decide(guard, token, { maxUses: 1, bindUrl: true, scope: 'pay' }, { url: '/pay' }),
      ),
    ).toBe('ok')
    expect(await outcome(decide(guard, token, { bindUrl: true }, { url: '/admin' }))).toBe(
      'url_mismatch',
    )
    expect(await outcome(decide(guard, token, { scope: 'admin' }))).toBe('insufficient_scope')
    expect(await outcome(decide(guard, token, { maxUses: 1 }))).toBe('uses_exhausted')
    await guard.revoke({ jti: 'cached' })
    expect(await outcome(decide(guard, token))).toBe('revoked')
  })

  it('drops a key removed from the remote JWKS once the set is refetched', async () => {
    const rotating = await createIssuer({ algorithms: ['ES256'] })
    try {
      const guard = createGuard({
        ...rotating.guardOptions,
        jwksUri: rotating.jwksUri,
        jwksCache: { ttl: 1, minTtl: 0 },
      })
      const token = await rotating.mint()
      expect(await outcome(decide(guard, token))).toBe('ok')
      expect(await outcome(decide(guard, token))).toBe('ok')
      const hits = rotating.hits.jwks
      rotating.retire(rotating.keys[0]!.kid)
      rotating.rotate('ES256')
      await sleep(1100)
      expect(await outcome(decide(guard, token))).toBe('unknown_key')
      expect(rotating.hits.jwks).toBeGreaterThan(hits)
    } finally {
      await rotating.close()
    }
  })

  it.each([[{ max: 0 }], [{ max: 1.5 }], [{ size: 10 }], ['yes'], [true]])(
    'refuses tokenCache %j',
    (value) => {
      expect(() => localGuard(issuer, { tokenCache: value as never })).toThrow(/"tokenCache/)
    },
  )

  it('is bounded by max', async () => {
    const cache = tokenCache({ max: 3 })!
    const { config } = counted()
    const tokens = await Promise.all(Array.from({ length: 10 }, () => issuer.mint()))
    for (const token of tokens) await verifyToken(token, { ...config, tokenCache: cache }, now())
    expect(cache.size).toBe(3)
  })
})
