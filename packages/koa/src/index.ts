/**
 * @bearer-guard/koa: JWT bearer-token middleware for Koa 3. It builds the core's neutral
 * request from `ctx`, asks the guard, and either answers the refusal itself or awaits `next()`.
 */
import './augment.js'
import { createGuard } from '@bearer-guard/core'
import type {
  AuthInfo,
  Decision,
  Guard,
  GuardOptions,
  HttpResponse,
  RoutePolicy,
} from '@bearer-guard/core'
import {
  isPromiseLike,
  setAuthenticatedHeaders,
  setResponseHeaders,
} from '@bearer-guard/core/adapter'
import type { Context, Middleware, Next } from 'koa'

export type { AuthInfo, GuardOptions, RoutePolicy } from '@bearer-guard/core'

/** The state an accepted request carries. */
export interface AuthState {
  auth?: AuthInfo
}

/**
 * The middleware `requireJwt` returns: usable as is (it also serves the protected resource
 * metadata document, with `resourceMetadata`), plus `require(policy)`, `metadata()` and the
 * `guard`.
 */
export interface JwtMiddleware extends Middleware<AuthState> {
  /** Middleware for one route: the app-level options plus `policy`. Throws on a bad policy. */
  require(policy?: RoutePolicy): Middleware<AuthState>
  /** Middleware that serves only the metadata document (RFC 9728), unauthenticated. */
  metadata(): Middleware<AuthState>
  /** The underlying guard (revocation and configuration). */
  readonly guard: Guard
}

/**
 * Builds the middleware. Options are validated now: a bad one throws here, not on a request.
 *
 * @example
 * const auth = requireJwt({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.use(auth)
 * router.post('/pay', auth.require({ scope: 'pay' }), (ctx) => { ctx.body = ctx.state.auth?.payload.sub })
 */
export function requireJwt(options: GuardOptions): JwtMiddleware {
  const guard = createGuard(options)
  const gate = (policy?: RoutePolicy): Middleware<AuthState> => {
    const check = guard.route(policy)
    // Synchronous when the guard decides at once (a repeated token): no extra promise per request.
    return (ctx, next) => {
      const decision = check({
        raw: ctx.req,
        method: ctx.method,
        rawHeaders: ctx.req.rawHeaders,
        // originalUrl keeps what a mounted app or a router prefix strips from ctx.url.
        url: ctx.originalUrl,
        body: (ctx.request as { body?: unknown }).body,
        route: matchedRoute(ctx),
      })
      if (isPromiseLike(decision))
        return decision.then((settled) => finish(settled, guard, ctx, next))
      return finish(decision, guard, ctx, next)
    }
  }
  const guarded = gate()
  // The document is public: answered before anything is guarded.
  const metadata =
    (next: Middleware<AuthState>): Middleware<AuthState> =>
    (ctx, pass) => {
      const answer = guard.metadataAnswer(ctx.method, ctx.originalUrl)
      if (answer) return send(ctx, answer)
      return next(ctx, pass)
    }
  const everything = guard.metadata ? metadata(guarded) : guarded
  return Object.assign(everything, {
    require: gate,
    metadata: () => metadata((_ctx, next) => next()),
    guard,
  })
}

function finish(decision: Decision, guard: Guard, ctx: Context, next: Next): Promise<void> | void {
  if (!decision.ok) return send(ctx, guard.respond(decision))
  if (decision.auth) {
    ctx.state.auth = decision.auth
    // Koa's headers are its Node response's.
    setAuthenticatedHeaders(ctx.res, decision)
  }
  return next()
}

function send(ctx: Context, response: HttpResponse): void {
  ctx.status = response.status
  // Koa's headers are its Node response's.
  setResponseHeaders(ctx.res, response)
  ctx.body = response.body
}

// @koa/router records the pattern of the route being run as `ctx.routerPath`.
function matchedRoute(ctx: Context): string | undefined {
  const route = (ctx as { routerPath?: unknown }).routerPath
  return typeof route === 'string' ? route : undefined
}
