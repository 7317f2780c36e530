/**
 * The three adapters behind one interface. Each serves the same small app over real HTTP on
 * 127.0.0.1: form and JSON bodies parsed before the guard, `GET`/`POST /orders` and
 * `GET /shop/orders/:id` (a mounted router) answering `{ sub }`, `/any` answering every method
 * with `{ sub, method }` (Express `app.all`, Koa a plain `app.use`, Fastify `app.all`),
 * `POST /transfers/:id/approve` matched as a prefix as routers do (Express `app.use`, Koa
 * and Fastify a wildcard, Fastify with `useSemicolonDelimiter`) answering `{ id }`, and an
 * `OPTIONS /orders` handler for preflights. `mount` says where the guard sits: on the app, on
 * the route, or both; `cors` mounts a CORS middleware before the guard that answers preflights.
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

/** What the app mounts besides the guard. */
export interface Extras {
  /** A CORS middleware before the guard, answering every preflight itself. */
  cors?: boolean
}

export interface Adapter {
  name: 'express' | 'koa' | 'fastify'
  serve(
    options: GuardOptions,
    route: RoutePolicy | undefined,
    mount: Mount,
    extras?: Extras,
  ): Promise<Served>
}

const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST',
}
const CORS_HEADERS = {
  'access-control-allow-origin': 'https://app.example',
  'access-control-allow-methods': 'GET, POST, DELETE',
  'access-control-allow-headers': 'authorization',
}
/** Whether a request is a CORS preflight, as a CORS middleware decides it. */
const isPreflight = (method: string, headers: Record<string, unknown>) =>
  method === 'OPTIONS' && headers['access-control-request-method'] !== undefined

export const adapters: Adapter[] = [
  {
    name: 'express',
    async serve(options, route, mount, extras = {}) {
      const auth = expressJwt(options)
      const app = express()
      app.use(express.urlencoded({ extended: false }), express.json())
      if (extras.cors) {
        app.use((req, res, next) => {
          if (!isPreflight(req.method, req.headers)) return next()
          res.status(204).set(CORS_HEADERS).end()
        })
      }
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
      app.all('/any', ...gate, (req, res) => {
        res.json({ sub: req.auth?.payload.sub ?? null, method: req.method })
      })
      app.use('/transfers/:id/approve', ...gate, (req, res) => {
        res.json({ id: req.params.id })
      })
      return { ...(await listen(createServer(app))), guard: auth.guard }
    },
  },
  {
    name: 'koa',
    async serve(options, route, mount, extras = {}) {
      const auth = koaJwt(options)
      const app = new Koa()
      app.use(parseBody)
      if (extras.cors) {
        app.use(async (ctx, next) => {
          if (!isPreflight(ctx.method, ctx.headers)) return next()
          ctx.status = 204
          ctx.set(CORS_HEADERS)
        })
      }
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
      router.post('/transfers/:id/approve{/*rest}', ...gate, (ctx) => {
        ctx.body = { id: ctx.params.id }
      })
      app.use(router.routes()).use(shop.routes())
      // A handler that answers every method, as a plain app.use does.
      const anyGate = gate[0] ?? ((_ctx: Koa.Context, next: Koa.Next) => next())
      app.use(async (ctx, next) => {
        if (ctx.path !== '/any') return next()
        await anyGate(ctx as never, async () => {
          ctx.body = { sub: ctx.state.auth?.payload.sub ?? null, method: ctx.method }
        })
      })
      // Koa's callback handles its own errors: the promise it returns never rejects.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      return { ...(await listen(createServer(app.callback()))), guard: auth.guard }
    },
  },
  {
    name: 'fastify',
    async serve(options, route, mount, extras = {}) {
      // Fastify's types do not list this router option yet; its validator and router take it.
      const routerOptions = { useSemicolonDelimiter: true } as Record<string, unknown>
      const app = Fastify({ routerOptions })
      app.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(body as string)))
        },
      )
      await app.register(bearerGuard, options)
      if (extras.cors) {
        app.addHook('onRequest', (request, reply, done) => {
          if (!isPreflight(request.method, request.headers)) return done()
          reply.code(204).headers(CORS_HEADERS).send()
        })
      }
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
      app.all('/any', { onRequest }, async (request) => ({
        sub: request.auth?.payload.sub ?? null,
        method: request.method,
      }))
      const approve = async (request: { params: unknown }) => ({
        id: (request.params as { id: string }).id,
      })
      app.post('/transfers/:id/approve', { onRequest }, approve)
      app.post('/transfers/:id/approve/*', { onRequest }, approve)
      await app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.server.address() as AddressInfo
      return { url: `http://127.0.0.1:${port}`, close: () => app.close(), guard: app.bearerGuard }
    },
  },
]

/** A body parser for Koa (urlencoded and JSON), standing in for @koa/bodyparser. */
async function parseBody(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  // Media types are case-insensitive (RFC 9110 §8.3.1), as Express's and Fastify's parsers read them.
  const type = ctx.get('content-type').toLowerCase()
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
