/**
 * The local issuer: signing keys and HMAC secrets, a JWKS and discovery server over real HTTP,
 * token minting, key rotation and fault injection. For tests and demos, never for production.
 */
import { randomUUID } from 'node:crypto'
import { generateSecret, generateSigningKey } from './keys.js'
import type { SigningAlg, SigningKey } from './keys.js'
import { JWKS_PATH, JwksServer } from './jwks-server.js'
import type { Endpoint, Fault, Hits } from './jwks-server.js'
import { mintToken } from './mint.js'
import type { MintClaims, MintOptions } from './mint.js'

/** How to set up a local issuer. */
export interface LocalIssuerOptions {
  /** One key is created per algorithm; the first is the default for `mint` (default: ES256, RS256, PS256, EdDSA). */
  algorithms?: SigningAlg[]
  /** The `aud` minted by default (default `'https://api.example.test'`). */
  audience?: string
  /** How many HMAC secrets to create (default 2, 32 bytes each). */
  secrets?: number
  /** `Cache-Control` sent with the JWKS. */
  jwksCacheControl?: string
  /** Which discovery documents to serve (default both). */
  discovery?: 'both' | 'openid' | 'oauth' | 'none'
}

/** A running local issuer. */
export interface LocalIssuer {
  /** The issuer identifier, the `iss` of minted tokens: `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly jwksUri: string
  readonly audience: string
  /** `{ issuer, audience }`: options for a guard that discovers this issuer's keys. */
  readonly guardOptions: { issuer: string; audience: string }
  /** The published keys, current first for each algorithm. */
  readonly keys: readonly SigningKey[]
  /** HMAC secrets, current first (use them as the guard's `secrets`). */
  readonly secrets: readonly Uint8Array[]
  /** Hits per document since start or `resetHits()`. */
  readonly hits: Hits
  /** Extra or overriding members of the discovery metadata (a wrong `issuer`, an http `jwks_uri`). */
  metadataOverrides: Record<string, unknown>
  /** The public JWKS, as served. */
  jwks(): { keys: SigningKey['publicJwk'][] }
  /**
   * Mints a token: valid by default (`iss`, `aud`, `sub`, `iat` now, `exp` in 5 minutes, a
   * random `jti`), anything else on request.
   *
   * @example await issuer.mint({ scope: 'orders:read', exp: '-1m' }, { alg: 'RS256' })
   */
  mint(claims?: MintClaims, options?: MintOptions): Promise<string>
  /** Publishes a new key for `alg` and makes it the one `mint` uses. */
  rotate(alg?: SigningAlg): SigningKey
  /** Stops publishing a key. */
  retire(kid: string): void
  /** Injects a fault, or clears it with `undefined`. */
  fault(fault: Fault | undefined, endpoint?: Endpoint, delayMs?: number): void
  resetHits(): void
  close(): Promise<void>
}

/**
 * Starts a local issuer on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * const issuer = await createIssuer()
 * app.use(requireJwt(issuer.guardOptions))
 * const token = await issuer.mint({ scope: 'orders:read' })
 */
export async function createIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const algorithms = options.algorithms ?? ['ES256', 'RS256', 'PS256', 'EdDSA']
  const audience = options.audience ?? 'https://api.example.test'
  const keys: SigningKey[] = algorithms.map((alg) => generateSigningKey(alg))
  const secrets = Array.from({ length: options.secrets ?? 2 }, () => generateSecret())
  let url = ''
  const issuer: Omit<
    LocalIssuer,
    'url' | 'jwksUri' | 'guardOptions' | 'hits' | 'fault' | 'resetHits' | 'close'
  > = {
    audience,
    keys,
    secrets,
    metadataOverrides: {},
    jwks: () => ({ keys: keys.map((key) => key.publicJwk) }),
    mint: async (claims, mintOptions) =>
      mintToken(
        {
          defaultClaims: () => ({
            iss: url,
            aud: audience,
            sub: 'user-1',
            iat: '0s',
            exp: '+5m',
            jti: randomUUID(),
          }),
          keyFor: (alg) => currentKey(keys, alg),
          secrets,
          defaultAlg: algorithms[0] ?? 'ES256',
        },
        claims,
        mintOptions,
      ),
    rotate: (alg = algorithms[0] ?? 'ES256') => {
      const key = generateSigningKey(alg)
      keys.unshift(key)
      return key
    },
    retire: (kid) => {
      const index = keys.findIndex((key) => key.kid === kid)
      if (index !== -1) keys.splice(index, 1)
    },
  }
  const server = await JwksServer.start({
    jwks: issuer.jwks,
    metadata: () => ({ issuer: url, jwks_uri: `${url}${JWKS_PATH}`, ...issuer.metadataOverrides }),
    cacheControl: () => options.jwksCacheControl,
    discovery: () => options.discovery ?? 'both',
  })
  url = server.origin
  return Object.assign(issuer, {
    url,
    jwksUri: `${url}${JWKS_PATH}`,
    guardOptions: { issuer: url, audience },
    hits: server.hits,
    fault: server.fault.bind(server),
    resetHits: server.resetHits.bind(server),
    close: server.close.bind(server),
  })
}

function currentKey(keys: readonly SigningKey[], alg: SigningAlg): SigningKey {
  const key = keys.find((candidate) => candidate.alg === alg)
  if (!key)
    throw new Error(`mint: this issuer has no ${alg} key; create it with algorithms: ['${alg}']`)
  return key
}
