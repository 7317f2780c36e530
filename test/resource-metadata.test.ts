// The protected resource metadata document (RFC 9728) where the guard is only on routes:
// Express and Koa serve it through `auth.metadata()`, Fastify through the route its plugin adds.
import { createServer } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import Router from '@koa/router'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireJwt as expressJwt } from '@bearer-guard/express'
import bearerGuard from '@bearer-guard/fastify'
import { requireJwt as koaJwt } from '@bearer-guard/koa'
import { createIssuer, listen, rawRequest } from '@bearer-guard/testing'
import type { DemoServer, LocalIssuer } from '@bearer-guard/testing'

const RESOURCE = 'https://api.example.test/mcp'
const PATH = '/.well-known/oauth-protected-resource/mcp'

let issuer: LocalIssuer
const servers: DemoServer[] = []
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
  const options = { ...issuer.guardOptions, resource: RESOURCE, resourceMetadata: true as const }

  const expressAuth = expressJwt(options)
  const expressApp = express()
  expressApp.use(expressAuth.metadata())
  expressApp.get('/mcp', expressAuth.require(), (_req, res) => res.json({ ok: true }))
  servers.push(await listen(createServer(expressApp)))

  const koaAuth = koaJwt(options)
  const koaApp = new Koa()
  const router = new Router()
  router.get('/mcp', koaAuth.require(), (ctx) => {
    ctx.body = { ok: true }
  })
  koaApp.use(koaAuth.metadata()).use(router.routes())
  // Koa's callback handles its own errors: the promise it returns never rejects.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  servers.push(await listen(createServer(koaApp.callback())))

  const fastify = Fastify()
  await fastify.register(bearerGuard, options)
  // A hook on every route: the document stays public all the same.
  fastify.addHook('onRequest', fastify.requireJwt())
  fastify.get('/mcp', async () => ({ ok: true }))
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as { port: number }
  servers.push({ url: `http://127.0.0.1:${port}`, close: () => fastify.close() })
})
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
  await issuer.close()
})

describe('the metadata document with route guards only', () => {
  it('is served by Express, Koa and Fastify alike, and the routes stay guarded', async () => {
    const answers = []
    for (const server of servers) {
      const document = await fetch(`${server.url}${PATH}`)
      expect(document.status).toBe(200)
      const body = await document.json()
      expect(body).toMatchObject({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        bearer_methods_supported: ['header'],
      })
      const route = await fetch(`${server.url}/mcp`)
      expect(route.status).toBe(401)
      answers.push({ body, headers: document.headers.get('content-type'), route: route.status })
    }
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  })

  it('answers HEAD alike, with the length of the document', async () => {
    const lengths = []
    for (const server of servers) {
      const head = await fetch(`${server.url}${PATH}`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      lengths.push(head.headers.get('content-length'))
    }
    const get = await fetch(`${servers[0]!.url}${PATH}`)
    expect(lengths).toEqual(Array(3).fill(String((await get.text()).length)))
  })

  it('lets a token through to the route as usual', async () => {
    const token = await issuer.mint()
    for (const server of servers) {
      const res = await fetch(`${server.url}/mcp`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
    }
  })
})

// An attack review let requests through Fastify's app-wide hook by naming the metadata path
// with a method its route does not take (routed to a catch-all), or behind a rewrite.
describe('Fastify lets only its metadata route through', () => {
  it('guards any other route a request naming the document path reaches', async () => {
    const options = { ...issuer.guardOptions, resource: RESOURCE, resourceMetadata: true as const }
    const app = Fastify({
      rewriteUrl: (req) => (req.url?.includes('route=admin') ? '/admin' : (req.url ?? '/')),
    })
    await app.register(bearerGuard, options)
    app.addHook('onRequest', app.requireJwt())
    app.get('/admin', async () => ({ secret: true }))
    app.all('/*', async () => ({ secret: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { port } = app.server.address() as { port: number }
      const url = `http://127.0.0.1:${port}`
      // No method gets the catch-all's answer without a token: the document's 405, or a 401
      // where Fastify routes the method (SEARCH) to the catch-all.
      for (const method of ['TRACE', 'SEARCH', 'PUT', 'PATCH', 'PROPFIND']) {
        const res = await rawRequest(url, method, PATH, [])
        expect([401, 404, 405], method).toContain(res.status)
        expect(res.body, method).not.toContain('secret')
      }
      expect((await rawRequest(url, 'TRACE', '/elsewhere', [])).status).toBe(401)
      const rewritten = await rawRequest(url, 'GET', `${PATH}?route=admin`, [])
      expect(rewritten.status).toBe(401)
      expect((await rawRequest(url, 'GET', PATH, [])).status).toBe(200)
    } finally {
      await app.close()
    }
  })
})
