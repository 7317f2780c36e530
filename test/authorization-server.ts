/**
 * A real oidc-provider for the interop suites (test/interop, test/mcp): client credentials,
 * resource indicators and JWT access tokens signed with an ES256 key made for the run, on a
 * loopback port. The suites name the clients, the scopes and what each resource grants.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { errors } from 'oidc-provider'
import type { Configuration } from 'oidc-provider'

/** A Node request handler; Koa's (and oidc-provider's) `callback()` returns a promise. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown

/**
 * Listens on a loopback port, then builds the handler from the origin (guard options and an
 * issuer name their own port). Its close goes into `closers`.
 */
export async function listenHttp(
  handler: (origin: string) => Handler,
  closers: (() => Promise<void>)[],
): Promise<string> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const handle = handler(origin)
  server.on('request', (req, res) => void handle(req, res))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return origin
}

export interface AuthorizationServerOptions {
  /** Confidential clients for the client credentials grant, with the scope each may get. */
  clients: { id: string; secret: string; scope: string }[]
  /** Every scope a client may hold (oidc-provider refuses a client scope not listed). */
  scopes: string[]
  /** The resource indicators accepted; read at each token request, so it may grow. */
  resources: ReadonlySet<string>
  /** The scopes a token for a resource can carry, for a client (undefined: none for it). */
  grant(resource: string, clientId: string): string | undefined
  /** oidc-provider's `features.dPoP`, when the suite needs it. */
  dPoP?: NonNullable<Configuration['features']>['dPoP']
  closers: (() => Promise<void>)[]
}

/** Starts the authorization server and resolves with its issuer (its origin). */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'as-es256', alg: 'ES256', use: 'sig' }
  const { resources } = options
  const configuration: Configuration = {
    clients: options.clients.map(({ id, secret, scope }) => ({
      client_id: id,
      client_secret: secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope,
      // The key set holds only an ES256 key: with the default RS256 the client is refused
      // (invalid_client_metadata: "id_token_signed_response_alg must be 'ES256'").
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys: [signingKey] },
    // A client's `scope` may only hold scopes listed here (else invalid_client_metadata).
    scopes: ['openid', 'offline_access', ...options.scopes],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      ...(options.dPoP && { dPoP: options.dPoP }),
      resourceIndicators: {
        enabled: true,
        // Every token request names its resource; this only covers one that does not.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? [...resources][0],
        getResourceServerInfo: (_ctx, resource, requester) => {
          const scope = resources.has(resource)
            ? options.grant(resource, requester.clientId)
            : undefined
          if (scope === undefined) throw new errors.InvalidTarget()
          return {
            scope,
            audience: resource,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
    },
  }
  // The issuer names the port, so the server listens before the provider exists.
  let issuer = ''
  await listenHttp((origin) => {
    issuer = origin
    return new Provider(origin, configuration).callback()
  }, options.closers)
  return issuer
}
