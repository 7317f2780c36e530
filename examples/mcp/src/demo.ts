/**
 * `pnpm demo mcp`: the MCP server (Express) against the local issuer, with curl lines to try:
 * the metadata document, the 401 a client starts from, then initialize and a tool call with a
 * token that has the `mcp:tools` scope. An MCP client authorises itself against a real
 * authorization server (test/mcp runs the SDK's client against oidc-provider); the local
 * issuer only mints demo tokens, so here the token is handed over.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createIssuer } from '@bearer-guard/testing'
import { mcpApp } from './express.js'
import { MCP_SCOPE } from './server.js'

interface Step {
  title: string
  method: 'GET' | 'POST'
  path: string
  token?: boolean
  body?: unknown
}

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

/** Runs the demo; resolves once printed (with `once`) or when the process is asked to stop. */
export async function demo(
  once = false,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const resource = `${origin}/mcp`
  const issuer = await createIssuer({ algorithms: ['ES256'], audience: resource })
  server.on('request', mcpApp({ issuer: issuer.url, resource, resourceMetadata: true }))
  const token = await issuer.mint({ scope: MCP_SCOPE, sub: 'demo-client', exp: '+1h' })
  const steps: Step[] = [
    {
      title: 'The protected resource metadata document (RFC 9728), public',
      method: 'GET',
      path: '/.well-known/oauth-protected-resource/mcp',
    },
    {
      title: 'An MCP request without a token: the 401 names the document and the scope',
      method: 'POST',
      path: '/mcp',
      body: initialize(1),
    },
    {
      title: `initialize with a token that has ${MCP_SCOPE}`,
      method: 'POST',
      path: '/mcp',
      token: true,
      body: initialize(1),
    },
    {
      title: 'tools/call add(2, 3)',
      method: 'POST',
      path: '/mcp',
      token: true,
      body: {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'add', arguments: { a: 2, b: 3 } },
      },
    },
  ]
  write(`bearer-guard demo: an MCP server on Express at ${resource}`)
  write(`tokens from a local issuer at ${issuer.url}`)
  for (const [index, step] of steps.entries()) {
    const headers: Record<string, string> = step.body === undefined ? {} : { ...MCP_HEADERS }
    if (step.token) headers.authorization = `Bearer ${token}`
    const body = step.body === undefined ? undefined : JSON.stringify(step.body)
    const response = await fetch(`${origin}${step.path}`, { method: step.method, headers, body })
    write('')
    write(`# ${index + 1}. ${step.title}`)
    const flags = Object.entries(headers).map(([name, value]) => ` -H '${name}: ${value}'`)
    const data = body === undefined ? '' : ` -d '${body}'`
    write(
      `curl -i${step.method === 'GET' ? '' : ` -X ${step.method}`} '${origin}${step.path}'${flags.join('')}${data}`,
    )
    write(`=> ${response.status} ${response.statusText}`)
    for (const name of ['www-authenticate', 'auth-reason']) {
      const value = response.headers.get(name)
      if (value) write(`   ${name}: ${value}`)
    }
    write(`   ${(await response.text()).trim()}`)
  }
  const close = () =>
    Promise.all([
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
      issuer.close(),
    ])
  if (once) return void (await close())
  write('')
  write(
    "An MCP client (Claude, the SDK's Client) would start from the 401 and get its token from the",
  )
  write('authorization server the document names. The server keeps running; Ctrl-C stops it.')
  await new Promise<void>((resolve) => process.once('SIGINT', resolve))
  await close()
}

function initialize(id: number) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'curl', version: '1' },
    },
  }
}
