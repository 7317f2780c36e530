/**
 * The MCP server shared by the three apps: one `add` tool, served over the SDK's streamable
 * HTTP transport in stateless mode (a new server and transport for every POST /mcp, as in the
 * SDK's stateless examples). The apps put bearer-guard in front of it; nothing here knows about
 * tokens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'

/** The scope every MCP request needs. */
export const MCP_SCOPE = 'mcp:tools'

/** An MCP server with one tool, `add`, which adds two numbers. */
export function mcpServer(): McpServer {
  const server = new McpServer({ name: 'bearer-guard-example', version: '1.0.0' })
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: { a: z.number(), b: z.number() },
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  )
  return server
}

/**
 * Answers one MCP request on the raw Node request and response; `body` is the parsed JSON body
 * when the framework has read it already. The SDK reads `req.auth` as its own `AuthInfo`
 * (`extra.authInfo` in a tool): Express leaves bearer-guard's `{ payload, header }` there, so a
 * tool that needs the caller should not rely on that shape.
 */
export async function serveMcp(
  req: IncomingMessage,
  res: ServerResponse,
  body?: unknown,
): Promise<void> {
  const server = mcpServer()
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  await transport.handleRequest(req, res, body)
}

/** The answer to GET and DELETE /mcp: a stateless server has no stream and no session. */
export const methodNotAllowed = {
  jsonrpc: '2.0',
  error: { code: -32000, message: 'Method not allowed.' },
  id: null,
} as const
