/**
 * The MCP server on Express 5: POST /mcp needs a token with the `mcp:tools` scope, and the
 * RFC 9728 metadata document the SDK's client discovers from the 401 is served unauthenticated.
 */
import express from 'express'
import type { Express } from 'express'
import type { GuardOptions } from '@bearer-guard/core'
import { requireJwt } from '@bearer-guard/express'
import { MCP_SCOPE, methodNotAllowed, serveMcp } from './server.js'

/** Builds the app; `options.resource` is the public URL of /mcp. */
export function mcpApp(options: GuardOptions): Express {
  const auth = requireJwt(options)
  const app = express()
  app.use(auth.metadata()) // GET /.well-known/oauth-protected-resource/mcp

  // The guard runs before the body is parsed: a refused request is never read.
  app.post('/mcp', auth.require({ scope: MCP_SCOPE }), express.json(), async (req, res) => {
    await serveMcp(req, res, req.body)
  })
  app.all('/mcp', (_req, res) => {
    res.status(405).set('allow', 'POST').json(methodNotAllowed)
  })
  return app
}
