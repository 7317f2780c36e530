import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import type { DecisionEvent } from '../src/events.js'
import { createGuard } from '../src/guard.js'
import type { GuardOptions } from '../src/options.js'
import { bearerRequest, localGuard } from './helpers.js'

let issuer: LocalIssuer
const make = (options: Partial<GuardOptions> = {}) => localGuard(issuer, options)

beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe('createGuard(options).route(policy)', () => {
  it('answers a CORS preflight itself, unauthenticated, with 204 and no headers', async () => {
    const guard = make()
    const check = guard.route({ scope: 'admin' })
    for (const method of ['OPTIONS', 'options']) {
      const decision = await check({
        method,
        url: '/orders',
        // A forged token changes nothing: a preflight is never authenticated, nor passed on.
        rawHeaders: ['Access-Control-Request-Method', 'DELETE', 'Authorization', 'Bearer x.y.z'],
      })
      expect(decision).toEqual({ ok: false, preflight: true })
      expect(guard.respond(decision as never)).toEqual({ status: 204, headers: {}, body: '' })
    }
  })

  it('still refuses a plain OPTIONS request without credentials', async () => {
    const decision = await make().route()({ method: 'OPTIONS', url: '/orders', rawHeaders: [] })
    expect(decision).toMatchObject({ ok: false, reason: 'missing_token' })
  })

  it('verifies a request once however many gates it passes', async () => {
    // With no cooldown every verification of an unknown kid refetches the JWKS, so the hit
    // count shows how many verifications ran.
    const guard = createGuard({
      ...issuer.guardOptions,
      jwksUri: issuer.jwksUri,
      jwksCache: { cooldown: 0 },
    })
    const input = bearerRequest(await issuer.mint({}, { kid: 'unknown-kid' }), { raw: {} })
    const first = await guard.route()(input)
    const hits = issuer.hits.jwks
    const second = await guard.route({ scope: 'a' })(input)
    expect(first).toMatchObject({ ok: false, reason: 'unknown_key' })
    expect(second).toEqual(first)
    expect(issuer.hits.jwks).toBe(hits)
    await guard.route()(bearerRequest(await issuer.mint({}, { kid: 'unknown-kid' }), { raw: {} }))
    expect(issuer.hits.jwks).toBeGreaterThan(hits)
  })

  it('evaluates each route policy on the shared verification', async () => {
    const guard = make()
    const input = bearerRequest(await issuer.mint({ scope: 'a' }), { raw: {} })
    expect((await guard.route({ scope: 'a' })(input)).ok).toBe(true)
    expect(await guard.route({ scope: 'b' })(input)).toMatchObject({
      ok: false,
      reason: 'insufficient_scope',
    })
  })

  it('still refuses a malformed variant of a token it has verified and cached', async () => {
    const check = make().route()
    const token = await issuer.mint()
    expect((await check(bearerRequest(token))).ok).toBe(true)
    // The cache lets a remembered token skip the grammar: any other string is checked in full.
    for (const variant of [`${token}!`, `${token} x`, `${token.slice(0, 20)}"${token.slice(21)}`])
      expect(await check(bearerRequest(variant))).toMatchObject({ reason: 'malformed_header' })
    expect((await check(bearerRequest(token))).ok).toBe(true)
  })

  it('verifies again for another request object', async () => {
    const guard = make()
    const token = await issuer.mint({}, { kid: 'nope' })
    const check = guard.route()
    expect(await check(bearerRequest(token, { raw: {} }))).toMatchObject({ reason: 'unknown_key' })
    expect((await check(bearerRequest(await issuer.mint(), { raw: {} }))).ok).toBe(true)
  })
})

describe('onDecision', () => {
  it('reports an allow with the verified sub, jti and iss, and the route', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    await guard.route()(
      bearerRequest(await issuer.mint({ sub: 'alice', jti: 'j-1' }), {
        route: '/orders/:id',
        url: '/orders/7?x=1',
      }),
    )
    expect(events).toEqual([
      {
        outcome: 'allow',
        method: 'GET',
        route: '/orders/:id',
        iss: issuer.url,
        sub: 'alice',
        jti: 'j-1',
        durationMs: expect.any(Number),
      },
    ])
  })

  it('reports a deny with reason and status, and the path without its query when no route is known', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    await guard.route()(
      bearerRequest(await issuer.mint({ exp: '-1m', sub: 'mallory' }), {
        url: '/orders/7?secret=1',
      }),
    )
    expect(events).toEqual([
      {
        outcome: 'deny',
        reason: 'expired',
        status: 401,
        method: 'GET',
        route: '/orders/7',
        durationMs: expect.any(Number),
      },
    ])
  })

  it('reports no `;` parameters of the path, where a client may have put its token', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    const token = await issuer.mint()
    await guard.route()({ method: 'GET', url: `/nope;access_token=${token}`, rawHeaders: [] })
    expect(events[0]).toMatchObject({ reason: 'token_in_query', route: '/nope' })
  })

  it('has a later gate refuse a body token that a parser between the gates produced', async () => {
    const guard = make()
    const request = { ...bearerRequest(await issuer.mint()), raw: {} as object }
    expect((await guard.route()(request)).ok).toBe(true)
    const parsed = { ...request, method: 'POST', body: { access_token: 'x' } }
    expect(await guard.route({ scope: 'orders' })(parsed)).toMatchObject({
      ok: false,
      reason: 'token_in_body',
    })
  })

  it('reports the verified subject on a policy refusal', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    await guard.route({ scope: 'admin' })(bearerRequest(await issuer.mint({ sub: 'bob' })))
    expect(events[0]).toMatchObject({
      outcome: 'deny',
      reason: 'insufficient_scope',
      status: 403,
      sub: 'bob',
    })
  })

  it('reports a preflight as such, with its 204', async () => {
    const events: DecisionEvent[] = []
    await make({ onDecision: (event) => events.push(event) }).route()({
      method: 'OPTIONS',
      url: '/x',
      rawHeaders: ['access-control-request-method', 'GET'],
    })
    expect(events[0]).toMatchObject({
      outcome: 'preflight',
      status: 204,
      method: 'OPTIONS',
      route: '/x',
    })
  })

  it('never carries the raw token or any segment of it', async () => {
    const events: DecisionEvent[] = []
    const guard = make({ onDecision: (event) => events.push(event) })
    const tokens = [
      await issuer.mint(),
      await issuer.mint({ exp: '-1m' }),
      await issuer.mint({}, { signature: 'corrupt' }),
      'abc.def.ghi',
    ]
    for (const token of tokens) await guard.route({ scope: 'x' })(bearerRequest(token))
    const text = JSON.stringify(events)
    for (const token of tokens)
      for (const segment of token.split('.'))
        if (segment.length > 3) expect(text).not.toContain(segment)
  })

  it('isolates the request from a hook that throws', async () => {
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const guard = make({
      onDecision: () => {
        throw new Error('logger down')
      },
    })
    expect((await guard.route()(bearerRequest(await issuer.mint()))).ok).toBe(true)
    expect(warning).toHaveBeenCalledWith('onDecision threw: Error', 'BearerGuardWarning')
    warning.mockRestore()
  })
})
