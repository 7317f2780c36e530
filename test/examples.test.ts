// The three example APIs, driven over HTTP with the same requests: they must answer alike, and
// each one's demo must print a curl line and the real answer for every case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, dpopProof, generateDpopKey, runDemo } from '@bearer-guard/testing'
import type { DemoServer, LocalIssuer } from '@bearer-guard/testing'
import { startExpress } from '../examples/express/src/demo.js'
import { startFastify } from '../examples/fastify/src/demo.js'
import { startKoa } from '../examples/koa/src/demo.js'
import { demo as mcpDemo } from '../examples/mcp/src/demo.js'

const examples = [
  { name: 'Express 5', start: startExpress },
  { name: 'Koa 3', start: startKoa },
  { name: 'Fastify 5', start: startFastify },
]

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

describe.each(examples)('the $name orders example', ({ name, start }) => {
  let server: DemoServer
  beforeAll(async () => {
    server = await start(issuer.guardOptions, 0)
  })
  afterAll(() => server.close())

  const call = async (
    method: string,
    path: string,
    claims?: Record<string, unknown>,
    body?: unknown,
  ) => {
    const headers: Record<string, string> =
      body === undefined ? {} : { 'content-type': 'application/json' }
    if (claims) headers.authorization = `Bearer ${await issuer.mint(claims)}`
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('serves /health without a token', async () => {
    expect(await call('GET', '/health')).toEqual({ status: 200, body: { ok: true } })
  })

  it("lists the caller's orders with orders:read, and refuses without a token", async () => {
    expect(await call('GET', '/orders', { scope: 'orders:read', sub: 'user-1' })).toEqual({
      status: 200,
      body: { orders: [{ id: 1, owner: 'user-1', item: 'coffee beans' }] },
    })
    expect((await call('GET', '/orders')).body.reason).toBe('missing_token')
  })

  it('creates an order with orders:write and refuses it with orders:read', async () => {
    expect(
      await call('POST', '/orders', { scope: 'orders:write', sub: 'user-2' }, { item: 'tea' }),
    ).toEqual({
      status: 201,
      body: { id: 2, owner: 'user-2', item: 'tea' },
    })
    const refused = await call('POST', '/orders', { scope: 'orders:read' }, { item: 'tea' })
    expect(refused.status).toBe(403)
    expect(refused.body.reason).toBe('insufficient_scope')
  })

  it('accepts a DPoP-bound token with a proof of its key, and refuses it as Bearer', async () => {
    const key = generateDpopKey()
    const token = await issuer.mint({ scope: 'orders:read', sub: 'user-1', cnf: { jkt: key.jkt } })
    const url = `${server.url}/orders`
    const dpop = await fetch(url, {
      headers: { authorization: `DPoP ${token}`, dpop: dpopProof(key, { url, token }) },
    })
    expect(dpop.status).toBe(200)
    expect(await dpop.json()).toEqual({
      orders: [{ id: 1, owner: 'user-1', item: 'coffee beans' }],
    })
    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    expect(bearer.status).toBe(401)
    expect(bearer.headers.get('auth-reason')).toBe('dpop_bound_token')
  })

  it('runs a demo that prints a curl line and the real answer for each case', async () => {
    const lines: string[] = []
    await runDemo({
      framework: name,
      start,
      once: true,
      port: 0,
      write: (line) => lines.push(line),
    })
    const text = lines.join('\n')
    expect(lines[0]).toContain(`bearer-guard demo: ${name} orders API at http://127.0.0.1:`)
    expect(lines.filter((line) => line.startsWith('curl -i'))).toHaveLength(7)
    expect(
      lines.filter((line) => line.startsWith('curl -i') && line.includes("-H 'DPoP: ")),
    ).toHaveLength(2)
    expect(lines.filter((line) => line.startsWith('=> '))).toEqual([
      '=> 200 OK',
      '=> 401 Unauthorized',
      '=> 401 Unauthorized',
      '=> 403 Forbidden',
      '=> 400 Bad Request',
      '=> 200 OK',
      '=> 401 Unauthorized',
    ])
    expect(text).toContain('www-authenticate: Bearer realm="api", DPoP algs="')
    for (const reason of [
      'missing_token',
      'expired',
      'insufficient_scope',
      'token_in_query',
      'dpop_replayed',
    ]) {
      expect(text).toContain(`auth-reason: ${reason}`)
    }
    expect(text).toContain("curl -i -X POST '")
  })
})

describe('the MCP example demo (pnpm demo mcp)', () => {
  it('prints the metadata document, the 401 that names it, and a tool call that answers 5', async () => {
    const lines: string[] = []
    await mcpDemo(true, (line) => lines.push(line))
    const text = lines.join('\n')
    expect(lines.filter((line) => line.startsWith('curl -i'))).toHaveLength(4)
    expect(lines.filter((line) => line.startsWith('=> '))).toEqual([
      '=> 200 OK',
      '=> 401 Unauthorized',
      '=> 200 OK',
      '=> 200 OK',
    ])
    expect(text).toMatch(
      /www-authenticate: Bearer realm="api", scope="mcp:tools", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    )
    expect(text).toContain('{"result":{"content":[{"type":"text","text":"5"}]}')
  })
})
