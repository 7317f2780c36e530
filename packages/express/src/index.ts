/**
 * @bearer-guard/express: JWT bearer-token middleware for Express 5. It builds the core's neutral
 * request from `req`, asks the guard, and either sends the refusal itself or calls `next()`.
 */
import './augment.js'
import {
  createGuard,
  expectsBody,
  isPromiseLike,
  perPrototype,
  setAuthenticatedHeaders,
} from '@bearer-guard/core'
import type {
  AuthInfo,
  Decision,
  Guard,
  GuardOptions,
  HttpResponse,
  RoutePolicy,
} from '@bearer-guard/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { IncomingMessage } from 'node:http'

export type { AuthInfo, GuardOptions, RoutePolicy } from '@bearer-guard/core'

/** The middleware `requireJwt` returns: usable as is, plus `require(policy)` and the `guard`. */
export interface JwtMiddleware extends RequestHandler {
  /** Middleware for one route: the app-level options plus `policy`. Throws on a bad policy. */
  require(policy?: RoutePolicy): RequestHandler
  /** The underlying guard (revocation and configuration). */
  readonly guard: Guard
}

/**
 * Builds the middleware. Options are validated now: a bad one throws here, not on a request.
 *
 * @example
 * const auth = requireJwt({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.use(auth)
 * app.get('/orders', auth.require({ scope: 'orders:read' }), (req, res) => res.json(req.auth?.payload))
 */
export function requireJwt(options: GuardOptions): JwtMiddleware {
  const guard = createGuard(options)
  const gate = (policy?: RoutePolicy): RequestHandler => {
    const check = guard.route(policy)
    // Synchronous when the guard decides at once (a repeated token): Express then handles no
    // promise at all. A rejected promise reaches next(error), as Express 5 does for any.
    return (req, res, next) => {
      // Each property is read from req and res once: Express gives every req and res a hidden
      // class of its own, so each read of one misses V8's caches (0.1-0.7 µs; bench/README.md).
      // res.locals is the null-prototype object Express makes for each request.
      const locals = res.locals as Locals | undefined
      const rawHeaders = req.rawHeaders
      const decision = check({
        // The core keeps its per-request state on `raw`: adding a property to req or res costs
        // 2-4 µs more for the same reason, one to locals costs nothing of the kind.
        raw: locals ?? req,
        method: req.method,
        rawHeaders,
        // originalUrl keeps the mount path that routers strip from req.url.
        url: req.originalUrl,
        // A request that announces no body cannot have had one parsed from the wire, and
        // req.body is then a miss through Express's whole prototype chain (the dearest read).
        body: expectsBody(rawHeaders) ? req.body : undefined,
        // Only events read the route; a property Express has not set is a slow miss on req.
        route:
          guard.config.onDecision && typeof req.route?.path === 'string'
            ? req.route.path
            : undefined,
      })
      if (isPromiseLike(decision))
        return decision.then((settled) => finish(settled, guard, req, res, locals, next))
      finish(decision, guard, req, res, locals, next)
    }
  }
  return Object.assign(gate(), { require: gate, guard })
}

function finish(
  decision: Decision,
  guard: Guard,
  req: Request,
  res: Response,
  locals: Locals | undefined,
  next: NextFunction,
): void {
  if (!decision.ok) return send(res, guard.respond(decision))
  if (decision.auth) {
    setAuth(req, locals, decision.auth)
    setAuthenticatedHeaders(res)
  }
  next()
}

// Where an accepted request's AuthInfo is kept: in res.locals, under this symbol, and read
// through a `req.auth` accessor on Express's request prototype. Why not a plain `req.auth = …`:
// Express 5 swaps the prototype of every req, and from then on V8 gives each property added to
// it a hidden class of its own. The addition costs 2-4 µs, and every property Express's router,
// later middleware and the route's handler read on that req afterwards misses V8's caches once
// more (bench/README.md). Observably it is still `req.auth`: it reads the token's AuthInfo,
// `undefined` where no guard accepted one, and assigning `req.auth` (another middleware, a
// test) still works.
const AUTH = Symbol('bearer-guard auth')
type Locals = Record<symbol, unknown>
// Per request prototype (one per app), whether req.auth reads through the accessor: settled
// once, either way, so the hot path never walks the prototype chain again.
const readsThroughAccessor = perPrototype(installAccessor)

function setAuth(req: Request, locals: Locals | undefined, auth: AuthInfo): void {
  if (locals && readsThroughAccessor(req)) locals[AUTH] = auth
  else req.auth = auth
}

/**
 * Defines `auth` on the request prototype all of one Express's apps share (the one just above
 * Node's IncomingMessage: `express.request`), so that a parent app still reads it after a
 * mounted sub-app accepted the token. False, and req.auth stays a plain property, when req does
 * not descend from IncomingMessage or something else already defines `auth` on the way.
 */
function installAccessor(prototype: object): boolean {
  let shared: object | null = prototype
  for (;;) {
    if (!shared) return false
    const defined = Object.getOwnPropertyDescriptor(shared, 'auth')
    if (defined && defined.get !== authAccessor.get) return false
    if (Object.getPrototypeOf(shared) === IncomingMessage.prototype) break
    shared = Object.getPrototypeOf(shared) as object | null
  }
  if (!Object.hasOwn(shared, 'auth')) Object.defineProperty(shared, 'auth', authAccessor)
  return true
}

const authAccessor: PropertyDescriptor = {
  configurable: true,
  get(this: Request) {
    return (this.res?.locals as Record<symbol, unknown> | undefined)?.[AUTH]
  },
  set(this: Request, value: unknown) {
    const locals = this.res?.locals as Record<symbol, unknown> | undefined
    if (locals) locals[AUTH] = value
    else
      Object.defineProperty(this, 'auth', {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      })
  },
}

// res.end rather than res.send: no ETag or charset rewriting, the same bytes as Koa and Fastify.
function send(res: Response, response: HttpResponse): void {
  res.status(response.status)
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  res.end(response.body)
}
