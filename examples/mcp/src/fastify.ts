/**
 * The MCP server on Fastify 5: POST /mcp needs a token with the `mcp:tools` scope, and the
 * plugin (registered with `resourceMetadata`) serves the RFC 9728 metadata document the SDK's
 * client discovers from the 401, unauthenticated.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import type { GuardOptions } from '@bearer-guard/core'
import bearerGuard from '@bearer-guard/fastify'
import { MCP_SCOPE, methodNotAllowed, serveMcp } from './server.js'

/** Builds the app; `options.resource` is the public URL of /mcp. */
export async function mcpApp(options: GuardOptions): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(bearerGuard, options) // GET /.well-known/oauth-protected-resource/mcp

  app.post('/mcp', { onRequest: app.requireJwt({ scope: MCP_SCOPE }) }, async (request, reply) => {
    // The SDK writes the raw response itself; Fastify has parsed the JSON body already.
    reply.hijack()
    await serveMcp(request.raw, reply.raw, request.body)
  })
  app.route({
    method: ['GET', 'DELETE'],
    url: '/mcp',
    handler: (_request, reply) => reply.code(405).header('allow', 'POST').send(methodNotAllowed),
  })
  return app
}
