/**
 * The three adapters behind one interface. Each serves the same small app over real HTTP on
 * 127.0.0.1: form and JSON bodies parsed before the guard, `GET`/`POST /orders` and
 * `GET /shop/orders/:id` (a mounted router) answering `{ sub }`, and an `OPTIONS /orders`
 * handler for preflights. `mount` says where the guard sits: on the app, on the route, or both.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import type { Guard, GuardOptions, RoutePolicy } from '@bearer-guard/core'
import type { DemoServer } from '@bearer-guard/testing'
import { requireJwt as expressJwt } from '@bearer-guard/express'
import bearerGuard from '@bearer-guard/fastify'
import { requireJwt as koaJwt } from '@bearer-guard/koa'
import { listen } from '@bearer-guard/testing'

/** Where the guard is mounted. */
export type Mount = 'app' | 'route' | 'both'

/** A running app, and the guard behind it. */
export interface Served extends DemoServer {
  guard: Guard
}

export interface Adapter {
  name: 'express' | 'koa' | 'fastify'
  serve(options: GuardOptions, route: RoutePolicy | undefined, mount: Mount): Promise<Served>
}

const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST',
}

export const adapters: Adapter[] = [
  {
    name: 'express',
    async serve(options, route, mount) {
      const auth = expressJwt(options)
      const app = express()
      app.use(express.urlencoded({ extended: false }), express.json())
      if (mount !== 'route') app.use(auth)
      const gate = mount === 'app' ? [] : [auth.require(route)]
      const answer = (req: express.Request, res: express.Response) => {
        res.json({ sub: req.auth?.payload.sub ?? null })
      }
      app.options('/orders', (_req, res) => {
        res.status(204).set(PREFLIGHT_HEADERS).end()
      })
      app.get('/orders', ...gate, answer)
      app.post('/orders', ...gate, answer)
      const shop = express.Router()
      shop.get('/orders/:id', ...gate, answer)
      app.use('/shop', shop)
      return { ...(await listen(createServer(app))), guard: auth.guard }
    },
  },
  {
    name: 'koa',
    async serve(options, route, mount) {
      const auth = koaJwt(options)
      const app = new Koa()
      app.use(parseBody)
      if (mount !== 'route') app.use(auth)
      const gate = mount === 'app' ? [] : [auth.require(route)]
      const answer = (ctx: Koa.Context) => {
        ctx.body = { sub: ctx.state.auth?.payload.sub ?? null }
      }
      const router = new Router()
      router.options('/orders', (ctx) => {
        ctx.status = 204
        ctx.set(PREFLIGHT_HEADERS)
      })
      router.get('/orders', ...gate, answer)
      router.post('/orders', ...gate, answer)
      const shop = new Router({ prefix: '/shop' })
      shop.get('/orders/:id', ...gate, answer)
      app.use(router.routes()).use(shop.routes())
      return { ...(await listen(createServer(app.callback()))), guard: auth.guard }
    },
  },
  {
    name: 'fastify',
    async serve(options, route, mount) {
      const app = Fastify()
      app.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(body as string)))
        },
      )
      await app.register(bearerGuard, options)
      if (mount !== 'route') app.addHook('onRequest', app.requireJwt())
      const onRequest = mount === 'app' ? [] : [app.requireJwt(route)]
      const answer = async (request: { auth: { payload: { sub?: string } } | null }) => ({
        sub: request.auth?.payload.sub ?? null,
      })
      app.options('/orders', async (_request, reply) =>
        reply.code(204).headers(PREFLIGHT_HEADERS).send(),
      )
      app.get('/orders', { onRequest }, answer)
      app.post('/orders', { onRequest }, answer)
      await app.register(
        async (shop) => {
          shop.get('/orders/:id', { onRequest }, answer)
        },
        { prefix: '/shop' },
      )
      await app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.server.address() as AddressInfo
      return { url: `http://127.0.0.1:${port}`, close: () => app.close(), guard: app.bearerGuard }
    },
  },
]

/** A body parser for Koa (urlencoded and JSON), standing in for @koa/bodyparser. */
async function parseBody(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  const type = ctx.get('content-type')
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('application/json')) {
    const chunks: Buffer[] = []
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    ;(ctx.request as { body?: unknown }).body = type.startsWith('application/json')
      ? JSON.parse(text || 'null')
      : Object.fromEntries(new URLSearchParams(text))
  }
  await next()
}
