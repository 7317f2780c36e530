// Policies that need the Store or span gates: maxUses, revocation, and how they fail closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, signatureVariants } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import type { GuardOptions } from '../../src/options.js'
import type { Store } from '../../src/store/store.js'
import { createGuard } from '../../src/guard.js'
import { memoryStore } from '../../src/store/memory-store.js'
import { bearerRequest, decide, outcome, localGuard } from '../helpers.js'

let issuer: LocalIssuer
const make = (options: Partial<GuardOptions> = {}) => localGuard(issuer, options)

beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe('maxUses', () => {
  it('accepts exactly 3 of 50 concurrent requests with a maxUses: 3 token', async () => {
    const check = make().route({ maxUses: 3 })
    const token = await issuer.mint()
    const decisions = await Promise.all(
      Array.from({ length: 50 }, () => check(bearerRequest(token, { raw: {} }))),
    )
    expect(decisions.filter((d) => d.ok)).toHaveLength(3)
    expect(decisions.filter((d) => !d.ok && d.reason === 'uses_exhausted')).toHaveLength(47)
  })

  it('counts by jti, so two encodings of one jti share a count', async () => {
    const check = make().route({ maxUses: 1 })
    const first = await issuer.mint({ jti: 'same' })
    const second = await issuer.mint({ jti: 'same', scope: 'other' })
    expect(await outcome(check(bearerRequest(first)))).toBe('ok')
    expect(await outcome(check(bearerRequest(second)))).toBe('uses_exhausted')
  })

  it('counts a token without jti by its issuer and signing input', async () => {
    const check = make().route({ maxUses: 1 })
    const token = await issuer.mint({ jti: undefined })
    expect(await outcome(check(bearerRequest(token)))).toBe('ok')
    expect(await outcome(check(bearerRequest(token)))).toBe('uses_exhausted')
    const another = await issuer.mint({ jti: undefined, nonce: 'another' })
    expect(await outcome(check(bearerRequest(another)))).toBe('ok')
  })

  it.each([
    ['with jti', {}],
    ['without jti', { jti: undefined }],
  ])(
    'counts (r, n - s), the twin of an ECDSA signature, as the same token (%s)',
    async (_, claims) => {
      const check = make().route({ maxUses: 1 })
      const token = await issuer.mint(claims)
      const [twin] = signatureVariants(token)
      expect(twin).not.toBe(token)
      expect(await outcome(check(bearerRequest(token)))).toBe('ok')
      expect(await outcome(check(bearerRequest(twin)))).toBe('uses_exhausted')
      // And the other way round, on a fresh guard: the twin first.
      const fresh = make().route({ maxUses: 1 })
      expect(await outcome(fresh(bearerRequest(twin)))).toBe('ok')
      expect(await outcome(fresh(bearerRequest(token)))).toBe('uses_exhausted')
    },
  )

  it('shares one count across the routes that set maxUses, each with its own limit', async () => {
    const guard = make()
    const once = guard.route({ maxUses: 1 })
    const thrice = guard.route({ maxUses: 3 })
    const token = await issuer.mint()
    expect(await outcome(once(bearerRequest(token)))).toBe('ok')
    expect(await outcome(thrice(bearerRequest(token)))).toBe('ok')
    expect(await outcome(once(bearerRequest(token)))).toBe('uses_exhausted')
    expect(await outcome(thrice(bearerRequest(token)))).toBe('uses_exhausted')
  })

  it('counts one use per request however many gates set maxUses', async () => {
    const guard = make({ maxUses: 2 })
    const app = guard.route()
    const route = guard.route({ maxUses: 2 })
    const token = await issuer.mint()
    for (let i = 0; i < 2; i++) {
      const input = bearerRequest(token, { raw: {} })
      expect(await outcome(app(input))).toBe('ok')
      expect(await outcome(route(input))).toBe('ok')
    }
    expect(await outcome(route(bearerRequest(token, { raw: {} })))).toBe('uses_exhausted')
  })

  it('does not count a request refused by another check', async () => {
    const check = make().route({ maxUses: 1, scope: 'pay' })
    const token = await issuer.mint({ scope: 'read' })
    expect(await outcome(check(bearerRequest(token)))).toBe('insufficient_scope')
    expect(await outcome(make().route({ maxUses: 1 })(bearerRequest(token)))).toBe('ok')
    const shared = make()
    expect(await outcome(shared.route({ maxUses: 1, scope: 'pay' })(bearerRequest(token)))).toBe(
      'insufficient_scope',
    )
    expect(await outcome(shared.route({ maxUses: 1 })(bearerRequest(token)))).toBe('ok')
  })

  it('lets the count expire with the token', async () => {
    let expiresAt = 0
    const spy: Store = { ...memoryStore(), countUse: async (_key, at) => ((expiresAt = at), 1) }
    const token = await issuer.mint({ exp: '+2m' })
    await make({ store: spy }).route({ maxUses: 1 })(bearerRequest(token))
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp
    expect(expiresAt).toBe(exp + 5)
  })
})

describe('revocation', () => {
  it('refuses a token revoked by jti, and only that one', async () => {
    const guard = make()
    await guard.revoke({ jti: 'j-revoked', exp: Math.floor(Date.now() / 1000) + 300 })
    expect(await outcome(decide(guard, await issuer.mint({ jti: 'j-revoked' })))).toBe('revoked')
    expect(await outcome(decide(guard, await issuer.mint({ jti: 'j-other' })))).toBe('ok')
  })

  it("refuses a subject's tokens issued before the watermark", async () => {
    const guard = make()
    const old = await issuer.mint({ sub: 'alice', iat: '-1m' })
    await guard.revoke({ sub: 'alice', before: Math.floor(Date.now() / 1000) - 30 })
    expect(await outcome(decide(guard, old))).toBe('revoked')
    expect(await outcome(decide(guard, await issuer.mint({ sub: 'bob', iat: '-1m' })))).toBe('ok')
    expect(await outcome(decide(guard, await issuer.mint({ sub: 'alice', iat: '-20s' })))).toBe(
      'ok',
    )
  })

  it('covers a token minted just before the revocation by an issuer whose clock runs ahead', async () => {
    const guard = make({ clockTolerance: 5 })
    // Minted a moment ago by an issuer 4 s fast: its iat reads 4 s ahead of our clock.
    const fast = await issuer.mint({ sub: 'alice', iat: '+4s' })
    await guard.revoke({ sub: 'alice' })
    expect(await outcome(decide(guard, fast))).toBe('revoked')
    await guard.revoke({ before: Math.floor(Date.now() / 1000) - 60 })
    expect(await outcome(decide(guard, await issuer.mint({ iat: '-57s' })))).toBe('revoked')
    expect(await outcome(decide(guard, await issuer.mint({ iat: '-50s' })))).toBe('ok')
  })

  it('refuses every token issued before a global watermark', async () => {
    const guard = make()
    await guard.revoke({ before: new Date(Date.now() - 30_000) })
    expect(await outcome(decide(guard, await issuer.mint({ iat: '-1m' })))).toBe('revoked')
    expect(await outcome(decide(guard, await issuer.mint({ iat: '-10s' })))).toBe('ok')
  })

  it('lets a route turn the check off, and an app-level false be turned back on', async () => {
    const guard = make()
    await guard.revoke({ jti: 'gone' })
    const token = await issuer.mint({ jti: 'gone' })
    expect(await outcome(decide(guard, token, { checkRevocation: false }))).toBe('ok')
    const lax = make({ checkRevocation: false })
    await lax.revoke({ jti: 'gone' })
    expect(await outcome(decide(lax, token))).toBe('ok')
    expect(await outcome(decide(lax, token, { checkRevocation: true }))).toBe('revoked')
  })

  it('looks revocations up once per request', async () => {
    let lookups = 0
    const store = memoryStore()
    const counting: Store = { ...store, isRevoked: (token) => (lookups++, store.isRevoked(token)) }
    const guard = make({ store: counting })
    const input = bearerRequest(await issuer.mint(), { raw: {} })
    await guard.route()(input)
    await guard.route({ scope: undefined })(input)
    expect(lookups).toBe(1)
  })

  it('revokes for the issuer named, and for every issuer without one', async () => {
    const other = await createIssuer({ algorithms: ['ES256'] })
    try {
      const guard = createGuard({
        audience: issuer.audience,
        issuers: [
          { issuer: issuer.url, keys: issuer.jwks() },
          { issuer: other.url, keys: other.jwks() },
        ],
      })
      const mine = await issuer.mint({ jti: 'shared', sub: 'sam' })
      const theirs = await other.mint({ jti: 'shared', sub: 'sam' })
      await guard.revoke({ jti: 'shared', iss: other.url })
      expect(await outcome(decide(guard, mine))).toBe('ok')
      expect(await outcome(decide(guard, theirs))).toBe('revoked')
      await guard.revoke({ sub: 'sam', iss: other.url, before: Date.now() / 1000 + 60 })
      expect(await outcome(decide(guard, await issuer.mint({ sub: 'sam' })))).toBe('ok')
      expect(await outcome(decide(guard, await other.mint({ sub: 'sam' })))).toBe('revoked')
      await guard.revoke({ jti: 'shared' })
      expect(await outcome(decide(guard, mine))).toBe('revoked')
      await expect(guard.revoke({ jti: 'x', iss: 'https://unknown.example/' })).rejects.toThrow(
        /"revoke\.iss"/,
      )
    } finally {
      await other.close()
    }
  })

  it('refuses a revocation that is not one', async () => {
    await expect(make().revoke({} as never)).rejects.toThrow(/"revoke"/)
  })
})

describe('step-up', () => {
  it('asks for step-up with acr_values and max_age', async () => {
    const guard = make()
    const decision = await decide(
      guard,
      await issuer.mint({ acr: 'pwd', auth_time: Math.floor(Date.now() / 1000) }),
      { acr: ['mfa'], maxAuthAge: '5m' },
    )
    expect(decision).toMatchObject({
      ok: false,
      reason: 'step_up_required',
      acrValues: ['mfa'],
      maxAge: 300,
    })
    expect(guard.respond(decision as never).headers['WWW-Authenticate']).toMatch(
      /error="insufficient_user_authentication".*, acr_values="mfa", max_age=300$/,
    )
  })
})

describe('a store that fails', () => {
  const broken: Store = {
    countUse: async () => {
      throw new Error('ECONNREFUSED')
    },
    revoke: async () => {
      throw new Error('ECONNREFUSED')
    },
    isRevoked: async () => {
      throw new Error('ECONNREFUSED')
    },
  }
  const hanging: Store = {
    countUse: () => new Promise(() => {}),
    revoke: () => new Promise(() => {}),
    isRevoked: () => new Promise(() => {}),
  }

  it('refuses with 503 store_unavailable when the store throws, never passes', async () => {
    const guard = make({ store: broken })
    const decision = await decide(guard, await issuer.mint())
    expect(decision).toMatchObject({ ok: false, reason: 'store_unavailable', retryAfter: 1 })
    expect(guard.respond(decision as never).status).toBe(503)
    expect(
      await outcome(
        decide(make({ store: broken, checkRevocation: false }), await issuer.mint(), {
          maxUses: 5,
        }),
      ),
    ).toBe('store_unavailable')
  })

  it('refuses with store_unavailable when the store outlasts storeTimeout', async () => {
    const started = performance.now()
    expect(
      await outcome(decide(make({ store: hanging, storeTimeout: 0.2 }), await issuer.mint())),
    ).toBe('store_unavailable')
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('still answers what needs no store', async () => {
    expect(await outcome(decide(make({ store: broken }), await issuer.mint({ exp: '-1m' })))).toBe(
      'expired',
    )
    expect(
      await outcome(decide(make({ store: broken, checkRevocation: false }), await issuer.mint())),
    ).toBe('ok')
  })

  it('rejects a revoke the store cannot record', async () => {
    await expect(make({ store: broken }).revoke({ sub: 'u' })).rejects.toThrow(
      /store revoke failed/,
    )
  })

  it.each([
    ['undefined (a forgotten return)', undefined],
    ['zero', 0],
    ['a negative count', -1],
    ['a fraction', 1.5],
    ['NaN', NaN],
    ['a string', '1'],
    ['null', null],
  ])(
    'refuses with store_unavailable when countUse answers %s, at once or later',
    async (_, value) => {
      for (const answer of [() => value, async () => value]) {
        const store: Store = { ...memoryStore(), countUse: answer as unknown as Store['countUse'] }
        const check = make({ store }).route({ maxUses: 1 })
        const token = await issuer.mint()
        for (let i = 0; i < 3; i++)
          expect(await outcome(check(bearerRequest(token)))).toBe('store_unavailable')
      }
    },
  )

  it.each([
    ['undefined', undefined],
    ['a string', 'false'],
    ['a number', 0],
    ['an object', {}],
  ])(
    'refuses with store_unavailable when isRevoked answers %s, at once or later',
    async (_, value) => {
      for (const answer of [() => value, async () => value]) {
        const store: Store = {
          ...memoryStore(),
          isRevoked: answer as unknown as Store['isRevoked'],
        }
        expect(await outcome(decide(make({ store }), await issuer.mint()))).toBe(
          'store_unavailable',
        )
      }
    },
  )

  it('refuses a store option that is not a Store', () => {
    expect(() => make({ store: {} as Store })).toThrow(/"store"/)
    expect(() => make({ storeTimeout: 'slow' })).toThrow(/"storeTimeout"/)
  })
})
