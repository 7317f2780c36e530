/**
 * @bearer-guard/fastify: the Fastify 5 plugin. Registering it only decorates: `app.requireJwt()`
 * returns the `onRequest` hook that protects a route (or, with `addHook`, a whole context).
 */
import './augment.js'
import { createGuard } from '@bearer-guard/core'
import type {
  Decision,
  Guard,
  GuardOptions,
  HttpResponse,
  RequestInput,
  RouteCheck,
  RoutePolicy,
} from '@bearer-guard/core'
import {
  isPromiseLike,
  setAuthenticatedHeaders,
  setResponseHeaders,
} from '@bearer-guard/core/adapter'
import type { HeaderAccess, MaybePromise } from '@bearer-guard/core/adapter'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'

export type { AuthInfo, GuardOptions, RoutePolicy } from '@bearer-guard/core'

// Marks the metadata document's route in its config.
const METADATA_ROUTE = 'bearerGuardMetadata'

async function bearerGuard(app: FastifyInstance, options: GuardOptions): Promise<void> {
  const guard = createGuard(options)
  app.decorate('bearerGuard', guard)
  app.decorateRequest('auth', null)
  // Where the guard keeps a request's state (verified once however many hooks it passes),
  // declared up front like every per-request property in Fastify.
  app.decorateRequest(guard.stateKey, null)
  app.decorate('requireJwt', (policy?: RoutePolicy): onRequestHookHandler =>
    hookFor(guard.route(policy), guard),
  )
  // The protected resource metadata document (RFC 9728), public: every method reaches one
  // handler, which answers GET, HEAD and OPTIONS and refuses the rest with 405.
  const { metadata } = guard
  if (metadata)
    app.route({
      method: app.supportedMethods,
      url: metadata.path,
      exposeHeadRoute: false,
      // What the guard's hook recognises the route by: the route Fastify matched, never the URL.
      config: { [METADATA_ROUTE]: true },
      handler: (request, reply) => send(reply, metadata.answer(request.method)),
    })
  // Fastify parses the body after onRequest. Once it is parsed, a request this guard accepted
  // is refused if its body carries a token too (RFC 6750 §2.2 allows one method per request).
  // Callback style: a request without a body costs one comparison and no promise.
  app.addHook('preValidation', (request, reply, done) => {
    if (request.body === undefined) return done()
    const refusal = guard.checkBody({ ...inputOf(request, guard), body: request.body })
    if (refusal) return send(reply, guard.respond(refusal))
    done()
  })
}

/**
 * The hook for one route. It decides every request here, from the headers, before Fastify
 * reads the body: a request with no valid token is answered before anything is parsed, and a
 * later hook or handler never sees a request the guard has not decided, wherever the hook is
 * used (also on a route outside the context that registered the plugin). Callback style: when
 * the guard decides at once (a repeated token) Fastify handles no promise. Any exception goes
 * to `done`, hence to Fastify's error handling: never a hanging request.
 */
function hookFor(check: RouteCheck, guard: Guard): onRequestHookHandler {
  return (request, reply, done) => {
    // The metadata document is public, even behind a hook added to every route. Only its own
    // route is let through: a URL that merely names its path may be routed elsewhere (another
    // method, a rewrite).
    if (guard.metadata && isMetadataRoute(request)) return done()
    let decision: MaybePromise<Decision>
    try {
      decision = check(inputOf(request, guard))
    } catch (error) {
      return done(error as Error)
    }
    if (!isPromiseLike(decision)) return conclude(decision, guard, request, reply, done)
    decision.then((settled) => conclude(settled, guard, request, reply, done), done)
  }
}

/** Applies a decision, then lets the request go on only when it was accepted. */
function conclude(
  decision: Decision,
  guard: Guard,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  let accepted: boolean
  try {
    accepted = apply(decision, guard, request, reply)
  } catch (error) {
    return done(error as Error)
  }
  if (accepted) done()
}

function isMetadataRoute(request: FastifyRequest): boolean {
  return (
    (request.routeOptions.config as unknown as Record<string, unknown>)[METADATA_ROUTE] === true
  )
}

function inputOf(request: FastifyRequest, guard: Guard): RequestInput {
  return {
    raw: request,
    method: request.method,
    rawHeaders: request.raw.rawHeaders,
    url: request.originalUrl,
    // routeOptions builds a fresh object on every read: only pay for it when events need it.
    route: guard.reportsDecisions ? request.routeOptions.url : undefined,
  }
}

/** Writes a decision to the reply; true when the request may go on. */
function apply(
  decision: Decision,
  guard: Guard,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  if (!decision.ok) {
    send(reply, guard.respond(decision))
    return false
  }
  if (decision.auth) {
    request.auth = decision.auth
    setAuthenticatedHeaders(new ReplyHeaders(reply), decision)
  }
  return true
}

function send(reply: FastifyReply, response: HttpResponse): void {
  reply.code(response.status)
  setResponseHeaders(new ReplyHeaders(reply), response)
  reply.send(response.body)
}

/** Fastify keeps a reply's headers itself until it sends: read and write them through it. */
class ReplyHeaders implements HeaderAccess {
  constructor(private readonly reply: FastifyReply) {}
  getHeader(name: string) {
    return this.reply.getHeader(name)
  }
  setHeader(name: string, value: string) {
    this.reply.header(name, value)
  }
}

/**
 * The plugin. Register it with the same options as `requireJwt` in Express or Koa.
 *
 * @example
 * await app.register(bearerGuard, { issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.get('/orders', { onRequest: app.requireJwt({ scope: 'orders:read' }) }, async (request) => request.auth?.payload)
 */
export default fp(bearerGuard, { name: '@bearer-guard/fastify', fastify: '5.x' })
