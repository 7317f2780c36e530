/** Types what the plugin decorates: `app.requireJwt`, `app.bearerGuard` and `request.auth`. */
import type { AuthInfo, Guard, RoutePolicy } from '@bearer-guard/core'
import type { onRequestHookHandler } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** An `onRequest` hook that requires a valid token and `policy` on top of the plugin options. */
    requireJwt(policy?: RoutePolicy): onRequestHookHandler
    /** The guard behind this plugin registration (revocation and configuration). */
    bearerGuard: Guard
  }
  interface FastifyRequest {
    /** The verified token (`payload`, `header`); `null` where no guard ran. */
    auth: AuthInfo | null
  }
}

export {}
