/**
 * @bearer-guard/fastify: the Fastify 5 plugin. Registering it only decorates: `app.requireJwt()`
 * returns the `onRequest` hook that protects a route (or, with `addHook`, a whole context).
 */
import './augment.js'
import { authenticatedHeaders, createGuard, expectsBody } from '@bearer-guard/core'
import type { Guard, GuardOptions, RouteCheck, RoutePolicy } from '@bearer-guard/core'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from 'fastify'
import fp from 'fastify-plugin'

export type { AuthInfo, GuardOptions, RoutePolicy } from '@bearer-guard/core'

// Checks that wait for the parsed body, per request (see hookFor).
const waiting = new WeakMap<FastifyRequest, RouteCheck[]>()

async function bearerGuard(app: FastifyInstance, options: GuardOptions): Promise<void> {
  const guard = createGuard(options)
  app.decorate('bearerGuard', guard)
  app.decorateRequest('auth', null)
  app.decorate('requireJwt', (policy?: RoutePolicy): onRequestAsyncHookHandler =>
    hookFor(guard.route(policy), guard),
  )
  app.addHook('preValidation', async (request, reply) => {
    for (const check of waiting.get(request) ?? []) {
      await decide(check, guard, request, reply)
      if (reply.sent) return reply
    }
  })
}

/**
 * The hook for one route. Fastify parses the body after onRequest, so for a request that
 * carries one the decision waits until preValidation: a token in the body is then refused as
 * it is in Express and Koa, whatever the header says.
 */
function hookFor(check: RouteCheck, guard: Guard): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (request.body === undefined && expectsBody(request.raw.rawHeaders)) {
      waiting.set(request, [...(waiting.get(request) ?? []), check])
      return
    }
    await decide(check, guard, request, reply)
    if (reply.sent) return reply
  }
}

async function decide(
  check: RouteCheck,
  guard: Guard,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const decision = await check({
    raw: request.raw,
    method: request.method,
    rawHeaders: request.raw.rawHeaders,
    url: request.originalUrl,
    body: request.body,
    route: request.routeOptions.url,
  })
  if (!decision.ok) {
    const response = guard.respond(decision)
    await reply.code(response.status).headers(response.headers).send(response.body)
    return
  }
  if (decision.auth) {
    request.auth = decision.auth
    for (const [name, value] of authenticatedHeaders((name) => reply.getHeader(name)))
      reply.header(name, value)
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
