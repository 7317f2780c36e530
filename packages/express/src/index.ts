/**
 * @bearer-guard/express: JWT bearer-token middleware for Express 5. It builds the core's neutral
 * request from `req`, asks the guard, and either sends the refusal itself or calls `next()`.
 */
import './augment.js'
import { createGuard } from '@bearer-guard/core'
import type { Decision, Guard, GuardOptions, HttpResponse, RoutePolicy } from '@bearer-guard/core'
import {
  isPromiseLike,
  setAuthenticatedHeaders,
  setResponseHeaders,
} from '@bearer-guard/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

export type { AuthInfo, GuardOptions, RoutePolicy } from '@bearer-guard/core'

/**
 * The middleware `requireJwt` returns: usable as is (it also serves the protected resource
 * metadata document, with `resourceMetadata`), plus `require(policy)`, `metadata()` and the
 * `guard`.
 */
export interface JwtMiddleware extends RequestHandler {
  /** Middleware for one route: the app-level options plus `policy`. Throws on a bad policy. */
  require(policy?: RoutePolicy): RequestHandler
  /** Middleware that serves only the metadata document (RFC 9728), unauthenticated. */
  metadata(): RequestHandler
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
      const decision = check({
        raw: req,
        method: req.method,
        rawHeaders: req.rawHeaders,
        // originalUrl keeps the mount path that routers strip from req.url.
        url: req.originalUrl,
        body: req.body,
        route: typeof req.route?.path === 'string' ? req.route.path : undefined,
      })
      if (isPromiseLike(decision))
        return decision.then((settled) => finish(settled, guard, req, res, next))
      finish(decision, guard, req, res, next)
    }
  }
  const guarded = gate()
  // The document is public: answered before anything is guarded.
  const metadata =
    (next: RequestHandler): RequestHandler =>
    (req, res, pass) => {
      const answer = guard.metadataAnswer(req.method, req.originalUrl)
      if (answer) return send(res, answer)
      return next(req, res, pass)
    }
  const everything = guard.metadata ? metadata(guarded) : guarded
  return Object.assign(everything, {
    require: gate,
    metadata: () => metadata((req, res, next) => next()),
    guard,
  })
}

function finish(
  decision: Decision,
  guard: Guard,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (!decision.ok) return send(res, guard.respond(decision))
  if (decision.auth) {
    req.auth = decision.auth
    setAuthenticatedHeaders(res, decision)
  }
  next()
}

// res.end rather than res.send: no ETag or charset rewriting, the same bytes as Koa and Fastify.
function send(res: Response, response: HttpResponse): void {
  res.status(response.status)
  setResponseHeaders(res, response)
  res.end(response.body)
}
