import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import type { DecisionEvent } from '@bearer-guard/core'
import bearerGuard from '@bearer-guard/fastify'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const bearer = async (claims = {}) => ({ authorization: `Bearer ${await issuer.mint(claims)}` })

describe('the @bearer-guard/fastify plugin on Fastify 5', () => {
  it('only decorates: a route is protected by its onRequest hook, others stay open', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    app.get('/open', async (request) => ({ auth: request.auth }))
    app.get(
      '/orders',
      { onRequest: app.requireJwt({ scope: 'orders:read' }) },
      async (request) => ({ sub: request.auth?.payload.sub }),
    )
    expect((await app.inject('/open')).json()).toEqual({ auth: null })
    expect((await app.inject('/orders')).statusCode).toBe(401)
    const ok = await app.inject({
      url: '/orders',
      headers: await bearer({ scope: 'orders:read', sub: 'erin' }),
    })
    expect(ok.json()).toEqual({ sub: 'erin' })
    expect(ok.headers.vary).toBe('Authorization')
    expect(ok.headers['cache-control']).toBe('private')
    await app.close()
  })

  it('protects every route of an encapsulated context with addHook, and nothing outside it', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    await app.register(
      async (admin) => {
        admin.addHook('onRequest', admin.requireJwt({ scope: 'admin' }))
        admin.get('/users', async () => ['a'])
      },
      { prefix: '/admin' },
    )
    app.get('/health', async () => 'ok')
    expect((await app.inject('/admin/users')).statusCode).toBe(401)
    expect(
      (await app.inject({ url: '/admin/users', headers: await bearer({ scope: 'user' }) }))
        .statusCode,
    ).toBe(403)
    expect(
      (await app.inject({ url: '/admin/users', headers: await bearer({ scope: 'admin' }) }))
        .statusCode,
    ).toBe(200)
    expect((await app.inject('/health')).statusCode).toBe(200)
    await app.close()
  })

  it('keeps two registrations in sibling contexts apart, each with its own options', async () => {
    const app = Fastify()
    await app.register(async (a) => {
      await a.register(bearerGuard, { ...issuer.guardOptions, audience: 'https://a.example' })
      a.get('/a', { onRequest: a.requireJwt() }, async () => 'a')
    })
    await app.register(async (b) => {
      await b.register(bearerGuard, { ...issuer.guardOptions, audience: 'https://b.example' })
      b.get('/b', { onRequest: b.requireJwt() }, async () => 'b')
    })
    const forA = await bearer({ aud: 'https://a.example' })
    expect((await app.inject({ url: '/a', headers: forA })).statusCode).toBe(200)
    expect((await app.inject({ url: '/b', headers: forA })).json().reason).toBe('wrong_audience')
    await app.close()
  })

  it('refuses a second registration in the same context', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    await expect(app.register(bearerGuard, issuer.guardOptions).ready()).rejects.toThrow(
      /bearerGuard|already/,
    )
  })

  it('fails registration for a bad option, naming it', async () => {
    const app = Fastify()
    await expect(
      app.register(bearerGuard, { issuer: issuer.url } as never).ready(),
    ).rejects.toThrow(/"audience"/)
  })

  it('decides in onRequest, then refuses a token in the parsed body, verifying once', async () => {
    const events: DecisionEvent[] = []
    const app = Fastify()
    await app.register(bearerGuard, { ...issuer.guardOptions, onDecision: (e) => events.push(e) })
    app.addHook('onRequest', app.requireJwt())
    let handled = 0
    app.post(
      '/orders',
      { onRequest: app.requireJwt({ scope: 'orders:write' }) },
      async (request) => (handled++, request.body),
    )
    const headers = await bearer({ scope: 'orders:write' })
    const ok = await app.inject({
      method: 'POST',
      url: '/orders',
      headers,
      payload: { item: 'tea' },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ item: 'tea' })
    const smuggled = await app.inject({
      method: 'POST',
      url: '/orders',
      headers,
      payload: { access_token: 'x' },
    })
    expect(smuggled.statusCode).toBe(400)
    expect(smuggled.json().reason).toBe('token_in_body')
    expect(handled).toBe(1)
    expect(events.map((e) => [e.outcome, e.reason])).toEqual([
      ['allow', undefined],
      ['allow', undefined],
      ['allow', undefined],
      ['allow', undefined],
      ['deny', 'token_in_body'],
    ])
    await app.close()
  })

  it('refuses at the second deferred check without running the route, first token or cached', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    let handled = 0
    app.addHook('onRequest', app.requireJwt())
    app.post('/orders', { onRequest: app.requireJwt({ scope: 'orders:write' }) }, async () => {
      handled++
      return { ok: true }
    })
    const headers = await bearer({ scope: 'orders:read' })
    // The first request verifies the signature (the checks wait); the second hits the cache.
    for (let i = 0; i < 2; i++) {
      const refused = await app.inject({ method: 'POST', url: '/orders', headers, payload: {} })
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['auth-reason']).toBe('insufficient_scope')
    }
    expect(handled).toBe(0)
    await app.close()
  })

  it('sends every refusal of one reason with all its headers, the first and those after it', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    app.get('/orders', { onRequest: app.requireJwt({ scope: 'orders:read' }) }, async () => 'ok')
    // A refusal that carries only its reason is rendered once and shared; one with a scope is not.
    const refused = []
    for (const headers of [
      { authorization: 'Bearer a.b.c' },
      { authorization: 'Bearer a.b.c' },
      { authorization: 'Bearer x.y.z' },
      await bearer(),
      await bearer(),
    ])
      refused.push((await app.inject({ url: '/orders', headers })).headers)
    const malformed = {
      'www-authenticate': expect.stringMatching(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
      ),
      'auth-reason': 'malformed_token',
      'cache-control': 'no-store',
      vary: 'Authorization',
      'content-type': 'application/json; charset=utf-8',
    }
    for (const headers of refused.slice(0, 3)) expect(headers).toMatchObject(malformed)
    for (const headers of refused.slice(3))
      expect(headers).toMatchObject({
        'www-authenticate': expect.stringContaining('error="insufficient_scope"'),
        'auth-reason': 'insufficient_scope',
        'cache-control': 'no-store',
        vary: 'Authorization',
      })
    await app.close()
  })

  it('exposes the guard as app.bearerGuard', async () => {
    const app = Fastify()
    await app.register(bearerGuard, { ...issuer.guardOptions, realm: 'fastify' })
    const refusal = app.bearerGuard.respond({ ok: false, reason: 'missing_token' })
    expect(refusal.headers['WWW-Authenticate']).toBe('Bearer realm="fastify"')
    await app.close()
  })
})
