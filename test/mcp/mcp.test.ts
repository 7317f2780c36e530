// MCP interop: the three example MCP servers (examples/mcp) behind a real oidc-provider, called
// by the MCP SDK's own client. The client side is only configuration: `Client`,
// `StreamableHTTPClientTransport` and the SDK's `ClientCredentialsProvider`. The SDK finds
// everything else itself from the 401: the RFC 9728 document through `resource_metadata`, the
// authorization server through its metadata, and a token for the resource it names.
import { randomBytes } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { GuardOptions } from '@bearer-guard/core'
import { mcpApp as expressMcp } from '../../examples/mcp/src/express.js'
import { mcpApp as fastifyMcp } from '../../examples/mcp/src/fastify.js'
import { mcpApp as koaMcp } from '../../examples/mcp/src/koa.js'
import { listenHttp, startAuthorizationServer } from '../authorization-server.js'
import { freePort } from '../ports.js'

const MCP_SCOPE = 'mcp:tools'
const OTHER_SCOPE = 'reports:read'
/** Allowed `mcp:tools` at the authorization server, and asks for it. */
const TOOLS_CLIENT = 'mcp-agent'
/** Allowed only `reports:read`: the authorization server can never grant it `mcp:tools`. */
const REPORTS_CLIENT = 'reports-agent'
/** Allowed both scopes, but configured in the SDK to ask for `reports:read` only. */
const NARROW_CLIENT = 'narrow-agent'
const clients = [TOOLS_CLIENT, REPORTS_CLIENT, NARROW_CLIENT]
const secrets = new Map(clients.map((id) => [id, randomBytes(32).toString('base64url')]))
const secretOf = (id: string): string => secrets.get(id) ?? ''

/** Run in the top-level afterAll, so servers started by a failed beforeAll are closed too. */
const closers: (() => Promise<void>)[] = []
/** The resource indicators oidc-provider accepts: the /mcp URLs of the servers below. */
const resources = new Set<string>()

// ---------------------------------------------------------------------------------------------
// The authorization server.

let issuer: string

async function startIdentityProvider(): Promise<void> {
  issuer = await startAuthorizationServer({
    clients: [
      { id: TOOLS_CLIENT, secret: secretOf(TOOLS_CLIENT), scope: MCP_SCOPE },
      { id: REPORTS_CLIENT, secret: secretOf(REPORTS_CLIENT), scope: OTHER_SCOPE },
      { id: NARROW_CLIENT, secret: secretOf(NARROW_CLIENT), scope: `${MCP_SCOPE} ${OTHER_SCOPE}` },
    ],
    scopes: [MCP_SCOPE, OTHER_SCOPE],
    resources,
    // Both scopes exist at every MCP server; what a token gets is what the client asked for,
    // within what the client is allowed.
    grant: () => `${MCP_SCOPE} ${OTHER_SCOPE}`,
    closers,
  })
}

// ---------------------------------------------------------------------------------------------
// The MCP servers.

type Start = (options: (origin: string) => GuardOptions) => Promise<string>

const frameworks: { name: string; start: Start }[] = [
  {
    name: 'Express 5',
    start: (options) => listenHttp((origin) => expressMcp(options(origin)), closers),
  },
  {
    name: 'Koa 3',
    start: (options) => listenHttp((origin) => koaMcp(options(origin)).callback(), closers),
  },
  {
    name: 'Fastify 5',
    // Fastify builds its own server, after the plugin has the options: pick the port first.
    start: async (options) => {
      const origin = `http://127.0.0.1:${await freePort()}`
      const app = await fastifyMcp(options(origin))
      closers.push(() => app.close())
      await app.listen({ port: Number(new URL(origin).port), host: '127.0.0.1' })
      return origin
    },
  },
]

/** The guard options of every server: its own /mcp URL is the resource (and audience). */
const guardOptions = (origin: string): GuardOptions => {
  const resource = `${origin}/mcp`
  resources.add(resource)
  return {
    issuer,
    resource,
    resourceMetadata: { scopes_supported: [MCP_SCOPE], resource_name: 'bearer-guard MCP example' },
  }
}

// ---------------------------------------------------------------------------------------------
// The SDK's client, and what it sent.

/** One HTTP exchange the SDK's client made, as its `fetch` option saw it. */
interface Exchange {
  /** `METHOD origin-name path`, the origin named `as` or `mcp`. */
  request: string
  status: number
  wwwAuthenticate?: string
  /** For token requests: the form fields but the grant type (the secret is in the header). */
  form?: Record<string, string>
}

interface Session {
  client: Client
  exchanges: Exchange[]
  /** The claims of the access tokens oidc-provider issued to the SDK's client. */
  tokens: Record<string, unknown>[]
  /** The `connect` outcome: undefined on success. */
  failure?: unknown
}

/** Connects the SDK's client to `resource` with the client credentials of `clientId`. */
async function connect(resource: string, clientId: string, scope: string): Promise<Session> {
  const exchanges: Exchange[] = []
  const tokens: Record<string, unknown>[] = []
  const name = (url: URL) => (url.origin === issuer ? 'as' : 'mcp')
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    authProvider: new ClientCredentialsProvider({
      clientId,
      clientSecret: secretOf(clientId),
      scope,
      expectedIssuer: issuer,
    }),
    // Only watches: every request goes to the real fetch unchanged.
    fetch: async (input, init) => {
      const url = new URL(input)
      const response = await fetch(input, init)
      const exchange: Exchange = {
        request: `${init?.method ?? 'GET'} ${name(url)} ${url.pathname}`,
        status: response.status,
      }
      const challenge = response.headers.get('www-authenticate')
      if (challenge) exchange.wwwAuthenticate = challenge
      if (init?.body instanceof URLSearchParams) {
        const { grant_type: _grant, ...form } = Object.fromEntries(init.body)
        exchange.form = form
        if (response.ok) {
          const { access_token: token } = (await response.clone().json()) as {
            access_token: string
          }
          tokens.push(decodeJwt(token))
        }
      }
      exchanges.push(exchange)
      return response
    },
  })
  const client = new Client({ name: 'bearer-guard-test', version: '1.0.0' })
  closers.push(() => client.close())
  const failure = await client.connect(transport).then(
    () => undefined,
    (error: unknown) => error,
  )
  return { client, exchanges, tokens, failure }
}

/** The exchanges, without the GET /mcp for a standalone SSE stream (started unawaited). */
const withoutSse = (exchanges: Exchange[]) =>
  exchanges.filter(({ request }) => request !== 'GET mcp /mcp')

/** The SDK tries RFC 8414 metadata first; oidc-provider serves it, so OIDC discovery is skipped. */
const discovery = [{ request: 'GET as /.well-known/oauth-authorization-server', status: 200 }]

/** The algorithms bearer-guard accepts by default from a discovered key set (and in proofs). */
const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'

/**
 * The 401 without a token. DPoP is `'allowed'` by default, so a DPoP challenge follows the
 * Bearer one. The SDK (1.32.2, extractWWWAuthenticateParams) only looks at the first scheme
 * word and takes the first `resource_metadata="…"` and `scope="…"` anywhere in the header: it
 * works because the Bearer challenge comes first.
 */
const unauthenticated = (metadataUrl: string) =>
  `Bearer realm="api", scope="${MCP_SCOPE}", resource_metadata="${metadataUrl}", ` +
  `DPoP scope="${MCP_SCOPE}", resource_metadata="${metadataUrl}", algs="${ALGS}"`

// ---------------------------------------------------------------------------------------------

/** What the three frameworks answered, with the server's origin replaced by `<origin>`. */
const answers = new Map<string, Record<string, unknown>>()

beforeAll(async () => {
  await startIdentityProvider()
}, 20_000)

afterAll(async () => {
  await Promise.allSettled(closers.reverse().map((close) => close()))
})

describe.each(frameworks)('the MCP example on $name', ({ name, start }) => {
  let origin: string
  let resource: string
  let metadataUrl: string
  const recorded: Record<string, unknown> = {}
  answers.set(name, recorded)
  const anonymised = (text: string | null) => text?.replaceAll(origin, '<origin>') ?? null

  beforeAll(async () => {
    origin = await start(guardOptions)
    resource = `${origin}/mcp`
    metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`
  })

  it('serves the RFC 9728 metadata document without a token', async () => {
    const response = await fetch(metadataUrl)
    expect(response.status).toBe(200)
    const document = await response.json()
    expect(document).toEqual({
      resource,
      authorization_servers: [issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: [MCP_SCOPE],
      resource_name: 'bearer-guard MCP example',
      // DPoP is allowed by default, and the document says so.
      dpop_signing_alg_values_supported: ALGS.split(' '),
      dpop_bound_access_tokens_required: false,
    })
    recorded.metadata = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      cacheControl: response.headers.get('cache-control'),
      allowOrigin: response.headers.get('access-control-allow-origin'),
      document: JSON.parse(anonymised(JSON.stringify(document)) ?? ''),
    }
  })

  it('refuses POST /mcp without a token: 401 naming the metadata document and the scope', async () => {
    const response = await fetch(resource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(unauthenticated(metadataUrl))
    recorded.unauthenticated = {
      status: response.status,
      wwwAuthenticate: anonymised(response.headers.get('www-authenticate')),
      authReason: response.headers.get('auth-reason'),
    }
  })

  it("lets the SDK's client discover, get a token and call the tool", async () => {
    const { client, exchanges, tokens, failure } = await connect(resource, TOOLS_CLIENT, MCP_SCOPE)
    expect(failure).toBeUndefined()
    expect(tokens).toEqual([
      expect.objectContaining({
        iss: issuer,
        aud: resource,
        client_id: TOOLS_CLIENT,
        scope: MCP_SCOPE,
      }),
    ])
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })
    expect(result.content).toEqual([{ type: 'text', text: '5' }])
    expect(result.isError).toBeFalsy()

    // In order: the first /mcp request is refused, the SDK reads the document named by
    // `resource_metadata`, finds the authorization server in it, gets a token for the resource
    // the document names, and sends initialize again, then `initialized` and the tool call.
    expect(withoutSse(exchanges)).toEqual([
      {
        request: 'POST mcp /mcp',
        status: 401,
        wwwAuthenticate: unauthenticated(metadataUrl),
      },
      { request: 'GET mcp /.well-known/oauth-protected-resource/mcp', status: 200 },
      ...discovery,
      { request: 'POST as /token', status: 200, form: { scope: MCP_SCOPE, resource } },
      { request: 'POST mcp /mcp', status: 200 }, // initialize
      { request: 'POST mcp /mcp', status: 202 }, // notifications/initialized
      { request: 'POST mcp /mcp', status: 200 }, // tools/call
    ])
    // The standalone SSE stream the SDK opens after `initialized`: 405, which it accepts.
    await vi.waitFor(() =>
      expect(exchanges.filter(({ request }) => request === 'GET mcp /mcp')).toEqual([
        { request: 'GET mcp /mcp', status: 405 },
      ]),
    )
  })

  // A token without `mcp:tools` gets 403 insufficient_scope, scope="mcp:tools". The SDK
  // (1.32.2, StreamableHTTPClientTransport.send) then runs `auth()` once more with that scope
  // ("upscoping"), and resends; if the same WWW-Authenticate comes back it gives up with
  // StreamableHTTPError(403, 'Server returned 403 after trying upscoping'). But for the client
  // credentials grant, `fetchToken` asks for `provider.clientMetadata.scope`, the scope the
  // provider was configured with, not the challenged one: the second token request is the
  // same as the first, so the second token lacks `mcp:tools` too, whether or not the
  // authorization server would have granted it. Both clients below fail the same way.
  const insufficient = [
    { client: REPORTS_CLIENT, allowed: 'only reports:read' },
    { client: NARROW_CLIENT, allowed: 'mcp:tools too' },
  ]
  it.each(insufficient)(
    'answers 403 insufficient_scope to a token without mcp:tools ($client, allowed $allowed)',
    async ({ client }) => {
      const { exchanges, tokens, failure } = await connect(resource, client, OTHER_SCOPE)
      const claims = expect.objectContaining({
        aud: resource,
        client_id: client,
        scope: OTHER_SCOPE,
      })
      expect(tokens).toEqual([claims, claims])
      expect(failure).toBeInstanceOf(Error)
      expect((failure as Error & { code?: number }).code).toBe(403)
      expect((failure as Error).message).toBe(
        'Streamable HTTP error: Server returned 403 after trying upscoping',
      )

      const forbidden = {
        request: 'POST mcp /mcp',
        status: 403,
        wwwAuthenticate:
          `Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope this request requires", ` +
          `scope="${MCP_SCOPE}", resource_metadata="${metadataUrl}"`,
      }
      // The token request, the same both times: the challenged scope is never asked for.
      const token = {
        request: 'POST as /token',
        status: 200,
        form: { scope: OTHER_SCOPE, resource },
      }
      expect(exchanges).toEqual([
        {
          request: 'POST mcp /mcp',
          status: 401,
          wwwAuthenticate: unauthenticated(metadataUrl),
        },
        { request: 'GET mcp /.well-known/oauth-protected-resource/mcp', status: 200 },
        ...discovery,
        token,
        forbidden,
        // Upscoping: discovery again (the provider keeps no discovery state), the same request.
        { request: 'GET mcp /.well-known/oauth-protected-resource/mcp', status: 200 },
        ...discovery,
        token,
        forbidden,
      ])
      recorded[`forbidden: ${client}`] = anonymised(forbidden.wwwAuthenticate)
    },
  )

  it(`would grant ${NARROW_CLIENT} mcp:tools had the SDK asked for it`, async () => {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${NARROW_CLIENT}:${secretOf(NARROW_CLIENT)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: MCP_SCOPE, resource }),
    })
    expect(response.status).toBe(200)
    const { access_token: token, scope } = (await response.json()) as Record<string, string>
    expect(scope).toBe(MCP_SCOPE)
    expect(decodeJwt(token ?? '')).toMatchObject({ aud: resource, scope: MCP_SCOPE })
  })
})

describe('the three frameworks', () => {
  it('answer alike: the metadata document, the 401 without a token and the 403', () => {
    const [first, ...others] = [...answers.values()]
    expect(Object.keys(first ?? {}).sort()).toEqual([
      `forbidden: ${NARROW_CLIENT}`,
      `forbidden: ${REPORTS_CLIENT}`,
      'metadata',
      'unauthenticated',
    ])
    expect(first?.unauthenticated).toMatchObject({ status: 401, authReason: 'missing_token' })
    for (const other of others) expect(other).toEqual(first)
  })
})
