// Every contender of the benchmark: one small app per framework and middleware, each answering
// GET /orders with {"ok":true} once the token is accepted, and 401 otherwise. The peers are
// wired the way their READMEs show; the jose floor is the 15-line middleware people hand-write.
import { createPublicKey } from 'node:crypto'
import { createServer } from 'node:http'
import express from 'express'
import Koa from 'koa'
import Router from '@koa/router'
import Fastify from 'fastify'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { requireJwt as expressGuard } from '@bearer-guard/express'
import { requireJwt as koaGuard } from '@bearer-guard/koa'
import bearerGuard from '@bearer-guard/fastify'
import { auth as auth0 } from 'express-oauth2-jwt-bearer'
import { expressjwt } from 'express-jwt'
import jwksRsa from 'jwks-rsa'
import koaJwt from 'koa-jwt'
import fastifyJwt from '@fastify/jwt'
import buildGetJwks from 'get-jwks'
import { RESOURCE, signatureCheck } from './common.mjs'

const BEARER = /^Bearer (.+)$/

/** The hand-written floor: jose's own remote JWKS and jwtVerify, nothing else. */
function joseVerifier({ issuer, audience, jwksUri, alg }) {
  const keys = createRemoteJWKSet(new URL(jwksUri))
  return async (authorization) => {
    const match = BEARER.exec(authorization ?? '')
    if (!match) return undefined
    try {
      return (await jwtVerify(match[1], keys, { issuer, audience, algorithms: [alg] })).payload
    } catch {
      return undefined
    }
  }
}

// Every app also answers GET /bare ahead of any middleware: the bare framework that run.mjs reads
// a contender against, in the contender's own process (two processes of one app differ by a few
// per cent here for as long as they live; two routes of one process do not).
export const BARE_PATH = '/bare'

const expressApp = (middleware, onError) => {
  const app = express()
  app.get(BARE_PATH, (req, res) => res.json({ ok: true }))
  if (middleware) app.use(middleware)
  app.get('/orders', (req, res) => res.json({ ok: true }))
  if (onError) app.use(onError)
  return createServer(app)
}

const koaApp = (middleware) => {
  const app = new Koa()
  const router = new Router()
  router.get(BARE_PATH, (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(router.routes())
  if (middleware) app.use(middleware)
  const guarded = new Router()
  guarded.get('/orders', (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(guarded.routes())
  return createServer(app.callback())
}

async function fastifyApp(setup) {
  const app = Fastify()
  app.get(BARE_PATH, async () => ({ ok: true }))
  // The contender's hooks apply to the routes of this plugin only, not to the bare route.
  await app.register(async (scope) => {
    if (setup) await setup(scope)
    scope.get('/orders', async () => ({ ok: true }))
  })
  await app.ready()
  return app.server
}

// bearer-guard's options from the bench's config: its defaults otherwise, but for the public
// origin DPoP proofs name and a proof age that covers the whole run (its proofs are made at
// its start; a proof's age costs nothing to check).
const guardOptions = ({ issuer, audience, jwksUri }) => ({
  issuer,
  audience,
  jwksUri,
  resource: RESOURCE,
  dpop: { proofMaxAge: '2h' },
})

const fastifyGuarded = (options) =>
  fastifyApp(async (app) => {
    await app.register(bearerGuard, options)
    app.addHook('onRequest', app.requireJwt())
  })

// @fastify/jwt's check as its README hooks it: a refusal is the error it throws.
async function fastifyJwtHook(request, reply) {
  try {
    await request.jwtVerify()
  } catch (err) {
    reply.send(err)
  }
}

const unauthorized = (err, req, res, next) =>
  err.status === 401 || err.name === 'UnauthorizedError'
    ? res.status(401).json({ error: 'invalid_token' })
    : next(err)

/** name -> (config) => Promise<http.Server> (not listening yet) */
export const contenders = {
  'express/bare': () => expressApp(),
  // References, not contenders: what any one middleware (a hook on Fastify) costs, doing nothing.
  'express/no-op middleware': () => expressApp((req, res, next) => next()),
  // The physical limit, measured: the bare framework plus one signature check a request.
  'express/one crypto.verify': ({ alg }) => {
    const check = signatureCheck(alg)
    return expressApp((req, res, next) => {
      check()
      next()
    })
  },
  'express/bearer-guard': (config) => expressApp(expressGuard(guardOptions(config))),
  // With the verified-token cache off (on every framework): what every request costs when it is a miss.
  'express/bearer-guard-uncached': (config) =>
    expressApp(expressGuard({ ...guardOptions(config), tokenCache: false })),
  'express/express-oauth2-jwt-bearer': ({ issuer, audience, jwksUri, alg }) =>
    expressApp(auth0({ issuer, audience, jwksUri, tokenSigningAlg: alg }), unauthorized),
  'express/express-jwt+jwks-rsa': ({ issuer, audience, jwksUri, alg }) =>
    expressApp(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
        audience,
        issuer,
        algorithms: [alg],
      }),
      unauthorized,
    ),
  'express/jose': (config) => {
    const verify = joseVerifier(config)
    return expressApp(async (req, res, next) => {
      req.auth = await verify(req.headers.authorization)
      if (req.auth) next()
      else res.status(401).json({ error: 'invalid_token' })
    })
  },

  'koa/bare': () => koaApp(),
  'koa/no-op middleware': () => koaApp((ctx, next) => next()),
  'koa/one crypto.verify': ({ alg }) => {
    const check = signatureCheck(alg)
    return koaApp((ctx, next) => {
      check()
      return next()
    })
  },
  'koa/bearer-guard': (config) => koaApp(koaGuard(guardOptions(config))),
  'koa/bearer-guard-uncached': (config) =>
    koaApp(koaGuard({ ...guardOptions(config), tokenCache: false })),
  'koa/koa-jwt+jwks-rsa': ({ issuer, audience, jwksUri, alg }) =>
    koaApp(
      koaJwt({
        secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true }),
        audience,
        issuer,
        algorithms: [alg],
      }),
    ),
  'koa/jose': (config) => {
    const verify = joseVerifier(config)
    return koaApp(async (ctx, next) => {
      ctx.state.auth = await verify(ctx.get('authorization'))
      if (!ctx.state.auth) {
        ctx.status = 401
        ctx.body = { error: 'invalid_token' }
        return
      }
      await next()
    })
  },

  'fastify/bare': () => fastifyApp(),
  'fastify/no-op hook': () =>
    fastifyApp((app) => {
      app.addHook('onRequest', (request, reply, done) => done())
    }),
  'fastify/one crypto.verify': ({ alg }) => {
    const check = signatureCheck(alg)
    return fastifyApp((app) => {
      app.addHook('onRequest', (request, reply, done) => {
        check()
        done()
      })
    })
  },
  'fastify/bearer-guard': (config) => fastifyGuarded(guardOptions(config)),
  'fastify/bearer-guard-uncached': (config) =>
    fastifyGuarded({ ...guardOptions(config), tokenCache: false }),
  'fastify/@fastify/jwt+get-jwks': ({ audience }) =>
    fastifyApp(async (app) => {
      // As the @fastify/jwt README shows, with the issuer's JWKS path.
      const getJwks = buildGetJwks({ jwksPath: '/jwks.json' })
      await app.register(fastifyJwt, {
        decode: { complete: true },
        verify: { allowedAud: audience },
        secret: (request, token) => {
          const {
            header: { kid, alg },
            payload: { iss },
          } = token
          return getJwks.getPublicKey({ kid, domain: iss, alg })
        },
      })
      app.addHook('onRequest', fastifyJwtHook)
    }),
  // Its fastest wiring: fast-jwt with one public key fetched at start-up (no key rotation).
  'fastify/@fastify/jwt (static key)': async ({ issuer, audience, jwksUri, alg }) => {
    const { keys } = await (await fetch(jwksUri)).json()
    const jwk = keys.find((key) => key.alg === alg)
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    return fastifyApp(async (app) => {
      await app.register(fastifyJwt, {
        secret: { public: pem },
        verify: { allowedAud: audience, allowedIss: issuer, algorithms: [alg] },
      })
      app.addHook('onRequest', fastifyJwtHook)
    })
  },
  'fastify/jose': (config) => {
    const verify = joseVerifier(config)
    return fastifyApp(async (app) => {
      app.addHook('onRequest', async (request, reply) => {
        request.auth = await verify(request.headers.authorization)
        if (!request.auth) return reply.code(401).send({ error: 'invalid_token' })
      })
    })
  },
}
