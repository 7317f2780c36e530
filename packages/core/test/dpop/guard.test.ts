import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIssuer, dpopProof, generateDpopKey } from '@bearer-guard/testing'
import type { DpopKey, LocalIssuer, ProofSpec } from '@bearer-guard/testing'
import type { Decision, Refusal, RequestInput } from '../../src/decision.js'
import type { DecisionEvent } from '../../src/events.js'
import type { Guard } from '../../src/guard.js'
import type { GuardOptions } from '../../src/options.js'
import { localGuard } from '../helpers.js'
import { memoryStore } from '../../src/store/memory-store.js'

const RESOURCE = 'https://api.example.test'
const URL_ORDERS = `${RESOURCE}/orders`

let issuer: LocalIssuer
let key: DpopKey
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256', 'EdDSA'] })
  key = generateDpopKey()
})
afterAll(() => issuer.close())

const make = (options: Partial<GuardOptions> = {}) =>
  localGuard(issuer, { resource: RESOURCE, audience: issuer.audience, ...options })

function dpopRequest(token: string, proof: string | string[], extra: Partial<RequestInput> = {}) {
  const proofs = Array.isArray(proof) ? proof : [proof]
  return {
    method: 'GET',
    url: '/orders',
    rawHeaders: ['Authorization', `DPoP ${token}`, ...proofs.flatMap((p) => ['DPoP', p])],
    raw: {},
    ...extra,
  }
}

const bound = (claims = {}) => issuer.mint({ cnf: { jkt: key.jkt }, ...claims })
const proofFor = (token: string, spec: ProofSpec = {}) =>
  dpopProof(key, { url: URL_ORDERS, token, ...spec })
const reason = (decision: Decision) => (decision.ok ? 'ok' : decision.reason)

async function decide(guard: Guard, input: RequestInput, policy?: Parameters<Guard['route']>[0]) {
  return guard.route(policy)(input)
}

describe('DPoP on a guard', () => {
  it('accepts a bound token with a proof of its key, with auth.dpop, and then never again', async () => {
    const guard = make()
    const token = await bound()
    const proof = proofFor(token)
    const decision = await decide(guard, dpopRequest(token, proof))
    expect(decision).toMatchObject({ ok: true, auth: { dpop: { jkt: key.jkt } } })
    expect(reason(await decide(guard, dpopRequest(token, proof)))).toBe('dpop_replayed')
    // A fresh proof for the same token is a new request.
    expect(reason(await decide(guard, dpopRequest(token, proofFor(token))))).toBe('ok')
  })

  it('counts one proof once across the gates of one request', async () => {
    const guard = make()
    const token = await bound()
    const input = dpopRequest(token, proofFor(token))
    expect(reason(await decide(guard, input))).toBe('ok')
    expect(reason(await decide(guard, input, { checkRevocation: false }))).toBe('ok')
    expect(reason(await decide(guard, input, { dpop: 'required' }))).toBe('ok')
  })

  it('refuses a bound token under Bearer whatever dpop says (the downgrade rule)', async () => {
    const token = await bound()
    for (const dpop of [false, 'allowed', { mode: 'allowed' }] as const) {
      const guard = make({ dpop })
      const input = {
        method: 'GET',
        url: '/orders',
        rawHeaders: ['Authorization', `Bearer ${token}`, 'DPoP', proofFor(token)],
        raw: {},
      }
      expect(reason(await decide(guard, input))).toBe('dpop_bound_token')
      expect(
        guard.respond((await decide(guard, input)) as Refusal).headers['WWW-Authenticate'],
      ).toMatch(/^Bearer realm="api", error="invalid_token"/)
    }
  })

  it('refuses an unbound token under DPoP, and a bound one with another key', async () => {
    const guard = make()
    const plain = await issuer.mint()
    expect(reason(await decide(guard, dpopRequest(plain, proofFor(plain))))).toBe(
      'dpop_key_mismatch',
    )
    const other = generateDpopKey()
    const token = await bound()
    const foreign = dpopProof(other, { url: URL_ORDERS, token })
    expect(reason(await decide(guard, dpopRequest(token, foreign)))).toBe('dpop_key_mismatch')
    const odd = await issuer.mint({ cnf: { jkt: 42 } })
    expect(reason(await decide(guard, dpopRequest(odd, proofFor(odd))))).toBe('dpop_key_mismatch')
  })

  it('requires DPoP where the route says so, and takes DPoP as another scheme where it is off', async () => {
    const guard = make()
    const plain = await issuer.mint()
    const bearer = {
      method: 'GET',
      url: '/orders',
      rawHeaders: ['Authorization', `Bearer ${plain}`],
      raw: {},
    }
    const required = await decide(guard, bearer, { dpop: 'required' })
    expect(reason(required)).toBe('dpop_required')
    expect(guard.respond(required as Refusal).headers['WWW-Authenticate']).toMatch(
      /^DPoP error="invalid_token", error_description="[^"]+", algs="/,
    )
    const token = await bound()
    const off = await decide(make({ dpop: false }), dpopRequest(token, proofFor(token)))
    expect(reason(off)).toBe('missing_token')
    expect(make({ dpop: false }).respond(off as Refusal).headers['WWW-Authenticate']).toBe(
      'Bearer realm="api"',
    )
  })

  it.each<[string, (token: string) => string | string[]]>([
    ['no DPoP header', () => []],
    ['two DPoP headers', (token) => [proofFor(token), proofFor(token)]],
    ['an oversized proof', () => 'a'.repeat(8193)],
    ['a proof that is no JWS', () => 'not-a-jws'],
    ['another typ', (token) => proofFor(token, { mint: { typ: 'jwt' } })],
    ['no typ', (token) => proofFor(token, { mint: { typ: null } })],
    ['alg none', (token) => proofFor(token, { mint: { alg: 'none' } })],
    [
      'alg HS256 with the key as secret',
      (token) => proofFor(token, { mint: { alg: 'HS256', secret: new Uint8Array(32) } }),
    ],
    [
      'an alg that does not fit the key',
      (token) => proofFor(token, { mint: { header: { alg: 'RS256' } } }),
    ],
    [
      'a private jwk',
      (token) => proofFor(token, { mint: { header: { jwk: { ...key.jwk, d: 'AAAA' } } } }),
    ],
    [
      'a symmetric jwk',
      (token) => proofFor(token, { mint: { header: { jwk: { kty: 'oct', k: 'AAAA' } } } }),
    ],
    ['no jwk', (token) => proofFor(token, { mint: { header: { jwk: undefined } } })],
    [
      'a signature by another key',
      (token) => proofFor(token, { mint: { key: generateDpopKey() } }),
    ],
    ['a corrupt signature', (token) => proofFor(token, { mint: { signature: 'corrupt' } })],
    ['no signature', (token) => proofFor(token, { mint: { signature: 'empty' } })],
    ['a crit header', (token) => proofFor(token, { mint: { header: { crit: ['x'], x: 1 } } })],
    ['another method', (token) => proofFor(token, { method: 'POST' })],
    ['a lower-case method', (token) => proofFor(token, { method: 'get' })],
    ['another path', (token) => proofFor(token, { url: `${RESOURCE}/orders/1` })],
    ['another origin', (token) => proofFor(token, { url: 'https://evil.example.test/orders' })],
    ['another port', (token) => proofFor(token, { url: 'https://api.example.test:8443/orders' })],
    ['plain http', (token) => proofFor(token, { url: 'http://api.example.test/orders' })],
    ['a relative htu', (token) => proofFor(token, { url: '/orders' })],
    ['no htu', (token) => proofFor(token, { url: undefined })],
    ['a stale iat', (token) => proofFor(token, { claims: { iat: '-6m' } })],
    ['a future iat', (token) => proofFor(token, { claims: { iat: '+1m' } })],
    [
      'an iat that is a string',
      (token) => proofFor(token, { claims: { iat: String(Math.floor(Date.now() / 1000)) } }),
    ],
    ['no jti', (token) => proofFor(token, { claims: { jti: undefined } })],
    ['an empty jti', (token) => proofFor(token, { claims: { jti: '' } })],
    ['a jti that is a number', (token) => proofFor(token, { claims: { jti: 7 } })],
    ['no ath', (token) => proofFor(token, { token: undefined })],
    ['the ath of another token', (token) => proofFor(token, { token: `${token}x` })],
  ])('refuses %s as invalid_dpop_proof', async (_name, proof) => {
    const guard = make()
    const token = await bound()
    const decision = await decide(guard, dpopRequest(token, proof(token)))
    expect(reason(decision)).toBe('invalid_dpop_proof')
    expect(guard.respond(decision as Refusal).headers['WWW-Authenticate']).toBe(
      `DPoP error="invalid_dpop_proof", error_description="The DPoP proof is missing or invalid", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`,
    )
  })

  it('accepts the same URI spelled another way', async () => {
    const guard = make()
    const token = await bound()
    for (const url of [
      'HTTPS://API.example.test:443/orders',
      'https://api.example.test/orders?x=1#y',
    ]) {
      expect(reason(await decide(guard, dpopRequest(token, proofFor(token, { url }))))).toBe('ok')
    }
  })

  it("compares htu with the request's scheme and Host without resource, and refuses a bad Host", async () => {
    const guard = localGuard(issuer)
    const token = await bound()
    const proof = dpopProof(key, { url: 'http://api.local:8080/orders', token })
    const ok = dpopRequest(token, proof)
    expect(
      reason(
        await decide(guard, { ...ok, rawHeaders: [...ok.rawHeaders, 'Host', 'api.local:8080'] }),
      ),
    ).toBe('ok')
    const tls = dpopProof(key, { url: 'https://api.local/orders', token })
    const overTls = dpopRequest(token, tls, { raw: { socket: { encrypted: true } } })
    expect(
      reason(
        await decide(guard, {
          ...overTls,
          rawHeaders: [...overTls.rawHeaders, 'Host', 'api.local'],
        }),
      ),
    ).toBe('ok')
    // The same proof over plain http names another URI.
    const plainHttp = dpopRequest(token, dpopProof(key, { url: 'https://api.local/orders', token }))
    expect(
      reason(
        await decide(guard, {
          ...plainHttp,
          rawHeaders: [...plainHttp.rawHeaders, 'Host', 'api.local'],
        }),
      ),
    ).toBe('invalid_dpop_proof')
    const bad = dpopRequest(token, dpopProof(key, { url: 'http://api.local/orders', token }))
    for (const host of [
      [],
      ['Host', 'api.local', 'Host', 'api.local'],
      ['Host', 'api.local/orders?'],
    ]) {
      const decision = await decide(guard, { ...bad, rawHeaders: [...bad.rawHeaders, ...host] })
      expect(reason(decision)).toBe('malformed_header')
      expect(guard.respond(decision as Refusal).status).toBe(400)
    }
  })

  it('takes Ed25519 and EdDSA for each other, in proofs and in tokens', async () => {
    const edKey = generateDpopKey('EdDSA')
    const guard = localGuard(issuer, {
      resource: RESOURCE,
      audience: issuer.audience,
      algorithms: ['EdDSA'],
    })
    const token = await issuer.mint(
      { cnf: { jkt: edKey.jkt } },
      { alg: 'EdDSA', header: { alg: 'Ed25519' } },
    )
    for (const alg of ['EdDSA', 'Ed25519']) {
      const proof = dpopProof(edKey, { url: URL_ORDERS, token, mint: { header: { alg } } })
      expect(reason(await decide(guard, dpopRequest(token, proof)))).toBe('ok')
    }
    const proof = dpopProof(edKey, { url: URL_ORDERS, token })
    const narrow = make({ dpop: { algorithms: ['ES256'] }, algorithms: ['EdDSA'] })
    expect(reason(await decide(narrow, dpopRequest(token, proof)))).toBe('invalid_dpop_proof')
  })

  it('asks for a nonce, accepts it in another process holding the secret, and rotates it', async () => {
    const nonceSecret = 'n'.repeat(32)
    const guard = make({ dpop: { nonce: true, nonceSecret } })
    const token = await bound()
    const first = await decide(guard, dpopRequest(token, proofFor(token)))
    expect(reason(first)).toBe('use_dpop_nonce')
    const response = guard.respond(first as Refusal)
    expect(response.headers['WWW-Authenticate']).toMatch(
      /^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="/,
    )
    const nonce = response.headers['DPoP-Nonce']!
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(response.headers['Access-Control-Expose-Headers']).toBe(
      'WWW-Authenticate, DPoP-Nonce, Auth-Reason',
    )
    const other = make({ dpop: { nonce: true, nonceSecret } })
    const accepted = await decide(other, dpopRequest(token, proofFor(token, { nonce })))
    expect(accepted).toMatchObject({ ok: true })
    expect((accepted as { dpopNonce?: string }).dpopNonce).toBeUndefined()
    const stranger = make({ dpop: { nonce: true, nonceSecret: 'x'.repeat(32) } })
    expect(reason(await decide(stranger, dpopRequest(token, proofFor(token, { nonce }))))).toBe(
      'use_dpop_nonce',
    )
    // Past half its lifetime the nonce is still accepted, and a new one comes with the answer.
    vi.useFakeTimers({ now: Date.now() + 200_000, toFake: ['Date'] })
    try {
      const later = await bound()
      const rotated = await decide(guard, dpopRequest(later, proofFor(later, { nonce })))
      expect(rotated).toMatchObject({
        ok: true,
        dpopNonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      })
    } finally {
      vi.useRealTimers()
    }
  })

  // An attack review got a proof replayed through a gate with a longer window once the count
  // kept for a shorter one had expired.
  it('remembers a proof for the longest window any gate has, not the one that accepted it', async () => {
    const memory = memoryStore()
    const expiries: number[] = []
    const store = {
      ...memory,
      countUse: (key: string, expiresAt: number) => (
        expiries.push(expiresAt),
        memory.countUse(key, expiresAt)
      ),
    }
    const short = make({ store, clockTolerance: 0, dpop: { proofMaxAge: 2 } })
    make({ store, clockTolerance: 0, dpop: { proofMaxAge: '10m' } })
    const token = await bound()
    const iat = Math.floor(Date.now() / 1000)
    const proof = proofFor(token, { claims: { iat } })
    expect(reason(await decide(short, dpopRequest(token, proof)))).toBe('ok')
    expect(expiries).toHaveLength(1)
    expect(expiries[0]).toBeGreaterThanOrEqual(iat + 600)
    // ...and for the longest clock tolerance of any guard (a second review replayed a proof
    // through a guard with a larger tolerance once the count of one with none had expired).
    make({ store, clockTolerance: 90 })
    expect(
      reason(await decide(short, dpopRequest(token, proofFor(token, { claims: { iat } })))),
    ).toBe('ok')
    expect(expiries[1]).toBeGreaterThanOrEqual(iat + 600 + 90)
  })

  it('emits events with the outcome and never the proof or the token', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    const token = await bound()
    const proof = proofFor(token)
    await decide(guard, dpopRequest(token, proof))
    await decide(guard, dpopRequest(token, proof))
    expect(events.map((event) => event.outcome)).toEqual(['allow', 'deny'])
    expect(events[1]).toMatchObject({ reason: 'dpop_replayed', status: 401 })
    const text = JSON.stringify(events)
    expect(text).not.toContain(proof.split('.')[2])
    expect(text).not.toContain(token.split('.')[2])
  })

  it('fails closed when the store cannot count the proof', async () => {
    const guard = make({
      store: {
        countUse: () => Promise.reject(new Error('down')),
        revoke: () => {},
        isRevoked: () => false,
      },
      checkRevocation: false,
    })
    const token = await bound()
    expect(reason(await decide(guard, dpopRequest(token, proofFor(token))))).toBe(
      'store_unavailable',
    )
  })

  it('refuses a resource that is not an https URL without fragment', () => {
    for (const resource of [
      'http://api.example.test',
      'api.example.test',
      'https://api.example.test/#x',
      42,
    ])
      expect(() => make({ resource: resource as string })).toThrow(
        expect.objectContaining({ option: 'resource' }),
      )
    expect(() => make({ resource: 'http://127.0.0.1:8080/api' })).not.toThrow()
  })

  it('makes resource the default audience', async () => {
    const guard = localGuard(issuer, {
      resource: 'https://api.example.test/mcp',
      audience: undefined,
    })
    const forIt = await issuer.mint({ aud: 'https://api.example.test/mcp' })
    const other = await issuer.mint({ aud: 'https://api.example.test' })
    const bearer = (token: string) => ({
      method: 'GET',
      url: '/',
      rawHeaders: ['Authorization', `Bearer ${token}`],
    })
    expect(reason(await guard.route()(bearer(forIt)))).toBe('ok')
    expect(reason(await guard.route()(bearer(other)))).toBe('wrong_audience')
  })
})
