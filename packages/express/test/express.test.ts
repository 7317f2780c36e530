import express from 'express'
import type { Express } from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, rawRequest } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { ASYMMETRIC_ALGORITHMS } from '@bearer-guard/core'
import type { DecisionEvent, GuardOptions } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/express'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer()
})
afterAll(() => issuer.close())

/** An orders app: `auth` on every route, one route per policy under test. */
function ordersApp(options: Partial<GuardOptions> = {}): Express {
  const app = express()
  const auth = requireJwt({ ...issuer.guardOptions, ...options })
  app.use(express.urlencoded({ extended: false }))
  app.use(auth)
  app.get('/orders', (req, res) => res.json({ sub: req.auth?.payload.sub }))
  app.post('/orders', auth.require({ scope: 'orders:write' }), (req, res) =>
    res.status(201).json({ created: true }),
  )
  app.get('/cached', (req, res) => res.set('Cache-Control', 'public, max-age=60').json({}))
  return app
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe('requireJwt(options) on Express 5', () => {
  it('accepts a valid token, sets req.auth and marks the response private', async () => {
    const res = await request(ordersApp())
      .get('/orders')
      .set(bearer(await issuer.mint({ sub: 'alice' })))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ sub: 'alice' })
    expect(res.headers.vary).toBe('Authorization')
    expect(res.headers['cache-control']).toBe('private')
  })

  it('lets a route set its own Cache-Control', async () => {
    const res = await request(ordersApp())
      .get('/cached')
      .set(bearer(await issuer.mint()))
    expect(res.headers['cache-control']).toBe('public, max-age=60')
  })

  it('answers a request without credentials with a bare challenge', async () => {
    const res = await request(ordersApp()).get('/orders')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="api", DPoP algs="${ASYMMETRIC_ALGORITHMS.join(' ')}"`,
    )
    expect(res.headers['auth-reason']).toBe('missing_token')
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'A bearer token is required',
      reason: 'missing_token',
    })
  })

  it('refuses an expired token with invalid_token', async () => {
    const res = await request(ordersApp())
      .get('/orders')
      .set(bearer(await issuer.mint({ exp: '-1m' })))
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
    expect(res.body.reason).toBe('expired')
  })

  it('refuses a token lacking the route scope with 403 and the scope', async () => {
    const res = await request(ordersApp())
      .post('/orders')
      .set(bearer(await issuer.mint({ scope: 'orders:read' })))
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toMatch(
      /error="insufficient_scope".*scope="orders:write"$/,
    )
  })

  it('grants the route with the scope', async () => {
    const res = await request(ordersApp())
      .post('/orders')
      .set(bearer(await issuer.mint({ scope: 'orders:write' })))
    expect(res.status).toBe(201)
  })

  it('refuses a token in the query string even beside a header token', async () => {
    const token = await issuer.mint()
    const res = await request(ordersApp()).get(`/orders?access_token=${token}`).set(bearer(token))
    expect(res.status).toBe(400)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/)
    expect(res.body.reason).toBe('token_in_query')
  })

  it('refuses a token in a form body parsed before the guard', async () => {
    const token = await issuer.mint({ scope: 'orders:write' })
    const res = await request(ordersApp())
      .post('/orders')
      .type('form')
      .send({ access_token: token })
    expect(res.status).toBe(400)
    expect(res.body.reason).toBe('token_in_body')
  })

  it('has a route gate refuse a body token parsed after the app-level gate ran', async () => {
    const app = express()
    const auth = requireJwt(issuer.guardOptions)
    app.use(auth)
    app.use(express.urlencoded({ extended: false }))
    app.post('/orders', auth.require(), (req, res) => res.json({ body: req.body }))
    const token = await issuer.mint()
    const res = await request(app)
      .post('/orders')
      .set(bearer(token))
      .type('form')
      .send({ access_token: token })
    expect(res.status).toBe(400)
    expect(res.body.reason).toBe('token_in_body')
  })

  it('refuses two Authorization headers, which Node folds to one in req.headers', async () => {
    const server = ordersApp().listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    try {
      const { port } = server.address() as { port: number }
      const token = await issuer.mint()
      const res = await rawRequest(`http://127.0.0.1:${port}`, 'GET', '/orders', [
        ['Authorization', `Bearer ${token}`],
        ['Authorization', `Bearer ${token}`],
      ])
      expect(res.status).toBe(400)
      expect(res.headers['auth-reason']).toBe('multiple_tokens')
    } finally {
      server.close()
    }
  })

  it('refuses a malformed header and a token over 8 KiB', async () => {
    expect(
      (await request(ordersApp()).get('/orders').set('Authorization', 'Bearer a b')).headers[
        'auth-reason'
      ],
    ).toBe('malformed_header')
    const big = await request(ordersApp())
      .get('/orders')
      .set('Authorization', `Bearer ${'a'.repeat(8193)}`)
    expect(big.status).toBe(400)
    expect(big.headers['auth-reason']).toBe('token_too_large')
  })

  it("ends a CORS preflight itself, without running the app's OPTIONS handler", async () => {
    const app = express()
    app.use(requireJwt(issuer.guardOptions))
    let handled = 0
    app.options('/orders', (req, res) => {
      handled++
      res.status(204).set('Access-Control-Allow-Methods', 'POST').end()
    })
    const res = await request(app)
      .options('/orders')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-methods']).toBeUndefined()
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(handled).toBe(0)
  })

  it('lets CORS middleware mounted before the guard answer a preflight', async () => {
    const app = express()
    app.use((req, res, next) =>
      req.method === 'OPTIONS' && req.headers['access-control-request-method']
        ? res.status(204).set('Access-Control-Allow-Methods', 'POST').end()
        : next(),
    )
    app.use(requireJwt(issuer.guardOptions))
    const res = await request(app)
      .options('/orders')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-methods']).toBe('POST')
  })

  it('answers 503 keys_unavailable with Retry-After when the key server is down', async () => {
    const down = await createIssuer({ algorithms: ['ES256'] })
    down.fault('down')
    try {
      const app = express().use(requireJwt({ ...down.guardOptions, onKeyEvent: () => {} }))
      const res = await request(app)
        .get('/')
        .set(bearer(await down.mint()))
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toMatch(/^\d+$/)
      expect(res.headers['www-authenticate']).toBeUndefined()
      expect(res.body).toMatchObject({
        error: 'temporarily_unavailable',
        reason: 'keys_unavailable',
      })
    } finally {
      await down.close()
    }
  })

  it('hides reasons: no Auth-Reason, one body for every token failure', async () => {
    const app = ordersApp({ reasons: 'hide', realm: 'orders' })
    const bodies = new Set<string>()
    for (const token of [
      await issuer.mint({ exp: '-1m' }),
      await issuer.mint({}, { signature: 'corrupt' }),
      await issuer.mint({ aud: 'x' }),
      'garbage',
    ]) {
      const res = await request(app).get('/orders').set(bearer(token))
      expect(res.status).toBe(401)
      expect(res.headers['auth-reason']).toBeUndefined()
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="orders", error="invalid_token", error_description="The access token is invalid"',
      )
      bodies.add(res.text)
    }
    expect([...bodies]).toEqual([
      '{"error":"invalid_token","error_description":"The access token is invalid"}',
    ])
  })

  it('guards a route with require() alone, without app.use', async () => {
    const app = express()
    const auth = requireJwt(issuer.guardOptions)
    app.get('/public', (req, res) => res.json({ auth: req.auth ?? null }))
    app.get('/private', auth.require({ scope: 'x' }), (req, res) =>
      res.json({ sub: req.auth?.payload.sub }),
    )
    expect((await request(app).get('/public')).body).toEqual({ auth: null })
    expect((await request(app).get('/private')).status).toBe(401)
    expect(
      (
        await request(app)
          .get('/private')
          .set(bearer(await issuer.mint({ scope: 'x', sub: 'bob' })))
      ).body,
    ).toEqual({ sub: 'bob' })
  })

  it('verifies once when app.use(auth) and auth.require() both run', async () => {
    const events: DecisionEvent[] = []
    // No cooldown: each verification of an unknown kid would refetch the JWKS.
    const auth = requireJwt({
      ...issuer.guardOptions,
      jwksUri: issuer.jwksUri,
      jwksCache: { cooldown: 0 },
      onDecision: (e) => events.push(e),
    })
    const app = express().use(auth)
    app.get('/orders', auth.require({ scope: 'a' }), auth.require({ scope: 'b' }), (req, res) =>
      res.json({}),
    )
    await request(app)
      .get('/orders')
      .set(bearer(await issuer.mint({ scope: 'a b' })))
    const token = await issuer.mint({}, { kid: 'unknown' })
    const before = issuer.hits.jwks
    const res = await request(app).get('/orders').set(bearer(token))
    expect(res.body.reason).toBe('unknown_key')
    expect(issuer.hits.jwks - before).toBe(1)
    expect(events.map((e) => e.outcome)).toEqual(['allow', 'allow', 'allow', 'deny'])
  })

  it('sets req.auth as a plain property, verified once through a sub-app too', async () => {
    const auth = requireJwt(issuer.guardOptions)
    const inner = express()
    inner.get('/orders', auth.require({ maxUses: 1 }), (req, res, next) => {
      res.locals.seen = {
        ownOnReq: Object.keys(req).includes('auth'),
        sub: req.auth?.payload.sub,
      }
      next()
    })
    const app = express()
      .use(auth)
      .use('/shop', inner)
      // The parent app, after the sub-app let the request through, reads the same req.auth.
      .use((req, res) => res.json({ ...res.locals.seen, parentSub: req.auth?.payload.sub }))
    const token = await issuer.mint({ jti: 'once-per-request', sub: 'ana' })
    const first = await request(app).get('/shop/orders').set(bearer(token))
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ ownOnReq: true, sub: 'ana', parentSub: 'ana' })
    const second = await request(app).get('/shop/orders').set(bearer(token))
    expect(second.status).toBe(401)
  })

  it('lets other code assign req.auth, and reads undefined where no guard ran', async () => {
    const app = express()
      .get('/public', (req, res) => res.json({ auth: req.auth ?? null }))
      .use(requireJwt(issuer.guardOptions))
      .get('/orders', (req, res) => {
        const accepted = req.auth
        if (accepted) req.auth = { ...accepted, payload: { ...accepted.payload, sub: 'replaced' } }
        res.json({ sub: accepted?.payload.sub, after: req.auth?.payload.sub })
      })
    const token = await issuer.mint({ sub: 'ana' })
    // /public is asked before and after an accepted request: nothing leaks between requests.
    expect((await request(app).get('/public').set(bearer(token))).body).toEqual({ auth: null })
    expect((await request(app).get('/orders').set(bearer(token))).body).toEqual({
      sub: 'ana',
      after: 'replaced',
    })
    expect((await request(app).get('/public').set(bearer(token))).body).toEqual({ auth: null })
  })

  it('sets req.auth on the request when the app defines auth on its request prototype', async () => {
    const app = express()
    Object.defineProperty(app.request, 'auth', { value: undefined, writable: true })
    app.use(requireJwt(issuer.guardOptions))
    app.get('/orders', (req, res) =>
      res.json({ own: Object.hasOwn(req, 'auth'), sub: req.auth?.payload.sub }),
    )
    const res = await request(app)
      .get('/orders')
      .set(bearer(await issuer.mint({ sub: 'ana' })))
    expect(res.body).toEqual({ own: true, sub: 'ana' })
  })

  it('reads the full path of a mounted router for the query check and events', async () => {
    const events: DecisionEvent[] = []
    const auth = requireJwt({ ...issuer.guardOptions, onDecision: (e) => events.push(e) })
    const router = express.Router()
    router.get('/items/:id', auth.require(), (req, res) => res.json({}))
    const app = express().use('/shop', router)
    const res = await request(app).get('/shop/items/7?access_token=x')
    expect(res.body.reason).toBe('token_in_query')
    await request(app)
      .get('/shop/items/7')
      .set(bearer(await issuer.mint()))
    expect(events.map((e) => e.route)).toEqual(['/items/:id', '/items/:id'])
  })

  it('throws at startup for a bad option or policy, naming it', () => {
    expect(() => requireJwt({ ...issuer.guardOptions, aud: 'x' } as GuardOptions)).toThrow(
      /"aud".*did you mean "audience"/,
    )
    const auth = requireJwt(issuer.guardOptions)
    expect(() => auth.require({ maxAge: 'soon' })).toThrow(/"policy\.maxAge"/)
  })

  it('serves many requests with no error handler and never hangs', async () => {
    const app = express()
      .use(requireJwt(issuer.guardOptions))
      .get('/', (req, res) => res.send('ok'))
    const tokens = [
      '',
      'Bearer',
      'Bearer x.y.z',
      `Bearer ${await issuer.mint()}`,
      `Bearer ${'%'.repeat(10)}`,
      'Basic Zm9vOmJhcg==',
    ]
    const statuses = await Promise.all(
      tokens.map(async (value) => (await request(app).get('/').set('Authorization', value)).status),
    )
    expect(statuses).toEqual([400, 400, 401, 200, 400, 401])
  })
})
