// Key sources through the guard, against real JWKS servers with counted hits: floods of
// forged kids, rotation, and several issuers each with its own keys and rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { createGuard } from '../../src/guard.js'
import type { GuardOptions } from '../../src/options.js'
import { bearerRequest, decide, outcome } from '../helpers.js'

let a: LocalIssuer
let b: LocalIssuer
beforeAll(async () => {
  a = await createIssuer({ algorithms: ['ES256', 'RS256'], audience: 'https://a-api.example' })
  b = await createIssuer({ algorithms: ['RS256', 'ES256'], audience: 'https://b-api.example' })
})
afterAll(() => Promise.all([a.close(), b.close()]))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const remote = (options: Partial<GuardOptions> = {}) =>
  createGuard({
    issuer: a.url,
    audience: a.audience,
    jwksUri: a.jwksUri,
    onKeyEvent: () => {},
    ...options,
  })

describe('an unknown-kid flood', () => {
  it('causes at most one JWKS fetch per cooldown while valid tokens keep verifying', async () => {
    const guard = remote({ jwksCache: { cooldown: 0.5 } })
    const check = guard.route()
    const valid = await a.mint()
    expect(await outcome(check(bearerRequest(valid)))).toBe('ok')
    a.resetHits()
    const forged = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => a.mint({}, { kid: `forged-${i}` })),
    )
    const started = performance.now()
    const outcomes = await Promise.all(
      forged.flatMap((token, i) => [
        outcome(check(bearerRequest(token))),
        ...(i % 10 ? [] : [outcome(check(bearerRequest(valid)))]),
      ]),
    )
    const elapsed = (performance.now() - started) / 1000
    expect(outcomes.filter((o) => o === 'unknown_key')).toHaveLength(1000)
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(100)
    expect(a.hits.jwks).toBeLessThanOrEqual(Math.ceil(elapsed / 0.5) + 1)
    // A second wave after the cooldown may fetch once more, and only once.
    await sleep(600)
    a.resetHits()
    await Promise.all(forged.slice(0, 500).map((token) => check(bearerRequest(token))))
    expect(a.hits.jwks).toBe(1)
  })
})

describe('key rotation at the issuer', () => {
  it('accepts a new kid after one refetch and refuses a retired one once the cache expires', async () => {
    const issuer = await createIssuer({ algorithms: ['ES256'] })
    try {
      const guard = createGuard({
        ...issuer.guardOptions,
        jwksUri: issuer.jwksUri,
        jwksCache: { ttl: 1, minTtl: 0, cooldown: 0.2 },
      })
      const old = await issuer.mint()
      expect(await outcome(decide(guard, old))).toBe('ok')
      await sleep(250)
      const rotated = issuer.rotate('ES256')
      issuer.resetHits()
      expect(await outcome(decide(guard, await issuer.mint()))).toBe('ok')
      expect(issuer.hits.jwks).toBe(1)
      issuer.retire(issuer.keys.find((key) => key.kid !== rotated.kid)!.kid)
      expect(await outcome(decide(guard, old))).toBe('ok')
      await sleep(1100)
      expect(await outcome(decide(guard, old))).toBe('unknown_key')
    } finally {
      await issuer.close()
    }
  })
})

describe('several issuers', () => {
  const several = () =>
    createGuard({
      issuers: [
        { issuer: a.url, jwksUri: a.jwksUri, audience: a.audience },
        { issuer: b.url, keys: b.jwks(), audience: b.audience, algorithms: ['RS256'] },
      ],
      onKeyEvent: () => {},
    })

  it("checks each issuer's tokens against its own keys, audience and algorithms", async () => {
    const guard = several()
    expect(await outcome(decide(guard, await a.mint()))).toBe('ok')
    expect(await outcome(decide(guard, await b.mint({}, { alg: 'RS256' })))).toBe('ok')
    expect(await outcome(decide(guard, await b.mint({ aud: a.audience }, { alg: 'RS256' })))).toBe(
      'wrong_audience',
    )
    expect(await outcome(decide(guard, await b.mint({}, { alg: 'ES256' })))).toBe('alg_not_allowed')
  })

  it('never lets a token borrow another issuer’s keys by naming it in iss', async () => {
    const guard = several()
    const borrowed = await a.mint({ iss: b.url, aud: b.audience }, { alg: 'RS256' })
    expect(await outcome(decide(guard, borrowed))).toBe('unknown_key')
    const sameKid = await a.mint(
      { iss: b.url, aud: b.audience },
      { alg: 'RS256', kid: b.keys.find((key) => key.alg === 'RS256')!.kid },
    )
    expect(await outcome(decide(guard, sameKid))).toBe('bad_signature')
  })

  it('refuses an unknown iss before fetching any key', async () => {
    const guard = several()
    a.resetHits()
    expect(await outcome(decide(guard, await a.mint({ iss: 'https://stranger.example' })))).toBe(
      'wrong_issuer',
    )
    expect(a.hits).toEqual({ jwks: 0, openid: 0, oauth: 0 })
  })

  it('fetches only the keys of the issuer a token names', async () => {
    const guard = several()
    a.resetHits()
    for (let i = 0; i < 5; i++)
      expect(await outcome(decide(guard, await b.mint({}, { alg: 'RS256' })))).toBe('ok')
    expect(a.hits.jwks).toBe(0)
  })
})
