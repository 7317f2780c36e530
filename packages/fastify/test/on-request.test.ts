// Fastify decides every request in the hook that the route runs, from its headers, before any
// body is parsed: wherever the hook is used, however the plugin is encapsulated, whatever the
// request carries. Found by a review: a body used to defer the decision to a hook that routes
// outside the plugin's context never ran, so the request reached its handler undecided.
import { connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import bearerGuard from '@bearer-guard/fastify'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const bearer = async (claims = {}) => ({ authorization: `Bearer ${await issuer.mint(claims)}` })

/** The plugin registered inside an "auth" plugin of its own; the hook used on a root route. */
async function hookFromEncapsulatedPlugin(app: FastifyInstance): Promise<onRequestHookHandler> {
  let hook: onRequestHookHandler | undefined
  await app.register(async (auth) => {
    await auth.register(bearerGuard, issuer.guardOptions)
    hook = auth.requireJwt({ scope: 'admin' })
  })
  return hook!
}

describe('a hook used outside the context that registered the plugin', () => {
  it.each([
    ['a JSON body', { 'content-type': 'application/json' }, '{"name":"mallory"}'],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'name=mallory'],
    ['no body', {}, undefined],
  ])('refuses a request with %s and no token before the handler runs', async (_, type, body) => {
    const headers: Record<string, string> = type
    const app = Fastify()
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, text, done) => done(null, Object.fromEntries(new URLSearchParams(text as string))),
    )
    const onRequest = await hookFromEncapsulatedPlugin(app)
    let handled = 0
    app.post('/admin/users', { onRequest }, async (request) => (handled++, { auth: request.auth }))
    const refused = await app.inject({ method: 'POST', url: '/admin/users', headers, body })
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['auth-reason']).toBe('missing_token')
    const forged = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: { ...headers, authorization: 'Bearer a.b.c' },
      body,
    })
    expect(forged.statusCode).toBe(401)
    expect(handled).toBe(0)
    const ok = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: { ...headers, ...(await bearer({ scope: 'admin', sub: 'root' })) },
      body,
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json().auth.payload.sub).toBe('root')
    await app.close()
  })
})

describe('deciding before the body is parsed', () => {
  it('parses no body for a request it refuses, and the body of one it accepts', async () => {
    const app = Fastify()
    let parsed = 0
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      parsed++
      done(null, JSON.parse(body as string))
    })
    await app.register(bearerGuard, issuer.guardOptions)
    app.post('/orders', { onRequest: app.requireJwt() }, async (request) => request.body)
    const payload = { item: 'tea' }
    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer a.b.c' },
      await bearer({ exp: '-1m' }),
    ]
    for (const headers of refused) {
      const res = await app.inject({ method: 'POST', url: '/orders', headers, payload })
      expect(res.statusCode).toBe(401)
    }
    expect(parsed).toBe(0)
    const ok = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: await bearer(),
      payload,
    })
    expect(ok.json()).toEqual(payload)
    expect(parsed).toBe(1)
    await app.close()
  })

  it('never lets a later onRequest hook see a request it has not decided', async () => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    const seen: unknown[] = []
    app.addHook('onRequest', app.requireJwt())
    app.addHook('onRequest', async (request) => void seen.push(request.auth?.payload.sub))
    app.post('/orders', async () => ({ ok: true }))
    const refused = await app.inject({ method: 'POST', url: '/orders', payload: { a: 1 } })
    expect(refused.statusCode).toBe(401)
    expect(seen).toEqual([])
    await app.inject({ method: 'POST', url: '/orders', headers: await bearer(), payload: { a: 1 } })
    expect(seen).toEqual(['user-1'])
    await app.close()
  })

  it('finds a token in a body sent without Content-Length or Transfer-Encoding (HTTP/2)', async () => {
    const app = Fastify({ http2: true })
    await app.register(bearerGuard, issuer.guardOptions)
    app.post('/orders', { onRequest: app.requireJwt() }, async (request) => request.body)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const client = connect(`http://127.0.0.1:${port}`)
    try {
      const send = (body: string, authorization: string) =>
        new Promise<{ status: number; reason: unknown; text: string }>((resolve, reject) => {
          const stream = client.request({
            ':method': 'POST',
            ':path': '/orders',
            'content-type': 'application/json',
            authorization,
          })
          let text = ''
          let status = 0
          let reason: unknown
          stream.on('response', (headers) => {
            status = Number(headers[':status'])
            reason = headers['auth-reason']
          })
          stream.setEncoding('utf8')
          stream.on('data', (chunk: string) => (text += chunk))
          stream.on('end', () => resolve({ status, reason, text }))
          stream.on('error', reject)
          stream.end(body)
        })
      const { authorization } = await bearer()
      const plain = await send('{"item":"tea"}', authorization)
      expect(plain).toMatchObject({ status: 200, text: '{"item":"tea"}' })
      const smuggled = await send(JSON.stringify({ access_token: 'x' }), authorization)
      expect(smuggled).toMatchObject({ status: 400, reason: 'token_in_body' })
    } finally {
      client.close()
      await app.close()
    }
  })
})

describe('an exception while deciding', () => {
  it.each([
    ['at once (a repeated token)', true],
    ['after a wait (a first verification)', false],
  ])('reaches Fastify’s error handling %s, never a hanging request', async (_, warm) => {
    const app = Fastify()
    await app.register(bearerGuard, issuer.guardOptions)
    const errors: string[] = []
    app.setErrorHandler((error, _request, reply) => {
      errors.push((error as Error).message)
      return reply.code(500).send({ failed: true })
    })
    let broken = false
    // A bug anywhere on the way out: writing the authenticated headers throws.
    app.addHook('onRequest', (_request, reply, done) => {
      if (broken)
        reply.header = () => {
          throw new Error('header write failed')
        }
      done()
    })
    app.get('/orders', { onRequest: app.requireJwt() }, async () => ({ ok: true }))
    const headers = await bearer()
    if (warm) expect((await app.inject({ url: '/orders', headers })).statusCode).toBe(200)
    broken = true
    const res = await app.inject({ url: '/orders', headers })
    expect(res.statusCode).toBe(500)
    expect(errors).toEqual(['header write failed'])
    await app.close()
  })
})
