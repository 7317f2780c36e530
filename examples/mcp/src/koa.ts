/**
 * The MCP server on Koa 3 with @koa/router: POST /mcp needs a token with the `mcp:tools` scope,
 * and the RFC 9728 metadata document the SDK's client discovers from the 401 is served
 * unauthenticated.
 */
import Router from '@koa/router'
import Koa from 'koa'
import type { GuardOptions } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/koa'
import { MCP_SCOPE, methodNotAllowed, serveMcp } from './server.js'

/** Builds the app; `options.resource` is the public URL of /mcp. */
export function mcpApp(options: GuardOptions): Koa {
  const auth = requireJwt(options)
  const router = new Router()

  router.post('/mcp', auth.require({ scope: MCP_SCOPE }), async (ctx) => {
    // The SDK writes the raw response itself (and reads the body from the raw request).
    ctx.respond = false
    await serveMcp(ctx.req, ctx.res)
  })
  router.all('/mcp', (ctx) => {
    ctx.status = 405
    ctx.set('allow', 'POST')
    ctx.body = methodNotAllowed
  })

  const app = new Koa()
  app.use(auth.metadata()) // GET /.well-known/oauth-protected-resource/mcp
  app.use(router.routes())
  return app
}
