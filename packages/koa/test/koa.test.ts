import Router from '@koa/router'
import Koa from 'koa'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import type { DecisionEvent, GuardOptions } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/koa'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const bearer = async (claims = {}) => ({ Authorization: `Bearer ${await issuer.mint(claims)}` })

describe('requireJwt(options) on Koa 3', () => {
  it('guards @koa/router routes and sets ctx.state.auth', async () => {
    const auth = requireJwt(issuer.guardOptions)
    const router = new Router()
    router.post('/pay', auth.require({ scope: 'pay', maxAge: '5m' }), (ctx) => {
      ctx.body = { payer: ctx.state.auth?.payload.sub }
    })
    const app = new Koa().use(router.routes())
    const server = app.callback()
    expect((await request(server).post('/pay')).status).toBe(401)
    expect(
      (
        await request(server)
          .post('/pay')
          .set(await bearer({ scope: 'read' }))
      ).status,
    ).toBe(403)
    const ok = await request(server)
      .post('/pay')
      .set(await bearer({ scope: 'pay', sub: 'dana' }))
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ payer: 'dana' })
    expect(ok.headers.vary).toBe('Authorization')
    expect(ok.headers['cache-control']).toBe('private')
  })

  it('has a route gate refuse a body token parsed after the app-level gate ran', async () => {
    const auth = requireJwt(issuer.guardOptions)
    const app = new Koa()
    app.use(auth)
    app.use(async (ctx, next) => {
      let text = ''
      for await (const chunk of ctx.req) text += String(chunk)
      ;(ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(text))
      await next()
    })
    const router = new Router()
    router.post('/orders', auth.require(), (ctx) => {
      ctx.body = { ok: true }
    })
    app.use(router.routes())
    const headers = await bearer()
    const res = await request(app.callback())
      .post('/orders')
      .set(headers)
      .type('form')
      .send({ access_token: 'x' })
    expect(res.status).toBe(400)
    expect(res.body.reason).toBe('token_in_body')
  })

  it('guards a prefixed router whose gate is on the route or on a path, whatever the case', async () => {
    const auth = requireJwt(issuer.guardOptions)
    const admin = new Router({ prefix: '/admin' })
    admin.get('/users', auth.require(), (ctx) => {
      ctx.body = { ok: true }
    })
    const onPath = new Router({ prefix: '/staff' })
    onPath.use('/users', auth)
    onPath.get('/users', (ctx) => {
      ctx.body = { ok: true }
    })
    const server = new Koa().use(admin.routes()).use(onPath.routes()).callback()
    for (const path of ['/admin/users', '/ADMIN/users', '/Admin/Users', '/STAFF/users'])
      expect((await request(server).get(path)).status).toBe(401)
  })

  it('lets a route set its own Cache-Control and keeps an earlier Vary', async () => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      ctx.vary('Origin')
      await next()
    })
    app.use(requireJwt(issuer.guardOptions))
    app.use((ctx) => {
      ctx.set('Cache-Control', 'no-cache')
      ctx.body = 'ok'
    })
    const res = await request(app.callback())
      .get('/')
      .set(await bearer())
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.headers.vary).toBe('Origin, Authorization')
  })

  it('verifies once with app.use(auth) and auth.require(), reporting the route pattern', async () => {
    const events: DecisionEvent[] = []
    const auth = requireJwt({
      ...issuer.guardOptions,
      jwksUri: issuer.jwksUri,
      jwksCache: { cooldown: 0 },
      onDecision: (e) => events.push(e),
    })
    const router = new Router()
    router.get('/orders/:id', auth.require({ scope: 'a' }), (ctx) => {
      ctx.body = {}
    })
    const app = new Koa().use(auth).use(router.routes())
    await request(app.callback())
      .get('/orders/1')
      .set(await bearer({ scope: 'a' }))
    const before = issuer.hits.jwks
    const res = await request(app.callback())
      .get('/orders/1')
      .set({ Authorization: `Bearer ${await issuer.mint({}, { kid: 'unknown' })}` })
    expect(res.body.reason).toBe('unknown_key')
    expect(issuer.hits.jwks - before).toBe(1)
    expect(events.map((e) => [e.outcome, e.route])).toEqual([
      ['allow', '/orders/1'],
      ['allow', '/orders/:id'],
      ['deny', '/orders/1'],
    ])
  })

  it('answers refusals itself: no error reaches the app and nothing downstream runs', async () => {
    const errors: unknown[] = []
    let reached = false
    const app = new Koa()
    app.on('error', (error) => errors.push(error))
    app.use(requireJwt(issuer.guardOptions)).use(() => {
      reached = true
    })
    const res = await request(app.callback()).get('/').set('Authorization', 'Bearer a b')
    expect(res.status).toBe(400)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(reached).toBe(false)
    expect(errors).toEqual([])
  })

  it('throws at startup for a bad option or policy, naming it', () => {
    expect(() => requireJwt({ ...issuer.guardOptions, iss: 'x' } as GuardOptions)).toThrow(
      /"iss".*did you mean "issuer"/,
    )
    expect(() => requireJwt(issuer.guardOptions).require({ anyScope: [] })).toThrow(
      /"policy\.anyScope"/,
    )
  })
})
