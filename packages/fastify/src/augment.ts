/** Types what the plugin decorates: `app.requireJwt`, `app.bearerGuard` and `request.auth`. */
import type { AuthInfo, Guard, RoutePolicy } from '@bearer-guard/core'
import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifySchema,
  FastifyTypeProvider,
  FastifyTypeProviderDefault,
  onRequestHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify'

declare module 'fastify' {
  // The parameters repeat Fastify's own, so an HTTP/2 or HTTPS instance gets a hook of its kind.
  interface FastifyInstance<
    RawServer extends RawServerBase = RawServerDefault,
    RawRequest extends RawRequestDefaultExpression<RawServer> =
      RawRequestDefaultExpression<RawServer>,
    RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
    Logger extends FastifyBaseLogger = FastifyBaseLogger,
    TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  > {
    /** An `onRequest` hook that requires a valid token and `policy` on top of the plugin options. */
    requireJwt(
      policy?: RoutePolicy,
    ): onRequestHookHandler<
      RawServer,
      RawRequest,
      RawReply,
      RouteGenericInterface,
      ContextConfigDefault,
      FastifySchema,
      TypeProvider,
      Logger
    >
    /** The guard behind this plugin registration (revocation and configuration). */
    bearerGuard: Guard
  }
  interface FastifyRequest {
    /** The verified token (`payload`, `header`); `null` where no guard ran. */
    auth: AuthInfo | null
  }
}

export {}
