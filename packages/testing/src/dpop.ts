/**
 * DPoP proofs (RFC 9449) for tests and demos: a client key, and proofs signed with it, valid
 * by default and broken on request. Signing uses node:crypto directly, like `mint`.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'
import { generateSigningKey } from './keys.js'
import type { SigningAlg, SigningKey } from './keys.js'
import { mintToken } from './mint.js'
import type { MintClaims, MintOptions } from './mint.js'

/** A DPoP client key: the signing key, its public JWK as a proof carries it, its thumbprint. */
export interface DpopKey extends SigningKey {
  /** The public JWK with only its key members (`kty`, `crv`, `x`, `y` / `n`, `e`). */
  readonly jwk: JsonWebKey
  /** RFC 7638 thumbprint: the value of a bound token's `cnf.jkt`. */
  readonly jkt: string
}

/** What a proof says; every claim can be overridden (or removed with `undefined`) in `claims`. */
export interface ProofSpec {
  /** `htm` (default `'GET'`). */
  method?: string
  /** `htu`: the request URI without query (required unless `claims.htu` is given). */
  url?: string
  /** The access token the proof is sent with, for `ath`. */
  token?: string
  /** Server nonce (RFC 9449 §8). */
  nonce?: string
  /** Claims over the defaults (`jti` random, `iat` now, `htm`, `htu`, `ath`, `nonce`). */
  claims?: MintClaims
  /** How to sign: another key, another `alg`, a corrupt signature, header members. */
  mint?: MintOptions
}

/** Generates a DPoP client key (default ES256). */
export function generateDpopKey(alg: SigningAlg = 'ES256'): DpopKey {
  const key = generateSigningKey(alg)
  const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk
  return { ...key, jwk, jkt: jwkThumbprint(jwk) }
}

/**
 * A DPoP proof signed with `key`.
 *
 * @example dpopProof(key, { method: 'GET', url: 'https://api.example.test/orders', token })
 */
export function dpopProof(key: DpopKey, spec: ProofSpec = {}): string {
  const claims: MintClaims = {
    jti: randomUUID(),
    iat: Math.floor(Date.now() / 1000),
    htm: spec.method ?? 'GET',
    htu: spec.url,
    ath: spec.token === undefined ? undefined : accessTokenHash(spec.token),
    nonce: spec.nonce,
    exp: undefined,
    ...spec.claims,
  }
  const context = {
    defaultClaims: () => ({}),
    keyFor: () => key,
    secrets: [],
    defaultAlg: key.alg,
  }
  return mintToken(context, claims, {
    key,
    typ: 'dpop+jwt',
    kid: null,
    ...spec.mint,
    header: { jwk: key.jwk, ...spec.mint?.header },
  })
}

/** RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** RFC 7638 SHA-256 thumbprint of a public JWK. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'RSA'
      ? ['e', 'kty', 'n']
      : jwk.kty === 'EC'
        ? ['crv', 'kty', 'x', 'y']
        : ['crv', 'kty', 'x']
  const canonical = JSON.stringify(
    Object.fromEntries(members.map((name) => [name, jwk[name as keyof JsonWebKey]])),
  )
  return createHash('sha256').update(canonical).digest('base64url')
}
