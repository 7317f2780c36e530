/**
 * Turns a public JWK into a `VerifyKey`, or says exactly why it cannot be one. Used for local
 * `keys` (a problem throws at construction) and for remote JWKS documents (a problem skips the key).
 */
import { createPublicKey } from 'node:crypto'
import type { JsonWebKey, KeyObject } from 'node:crypto'
import { algorithmsForKeyType, withEdDsaNames } from './algorithms.js'
import type { VerifyKey } from './verify-key.js'

/** The problem of a sound key that the `algorithms` option leaves nothing to verify. */
export const OUTSIDE_ALLOW_LIST = 'fits none of the allowed algorithms'

/** RSA keys under this many bits are refused (RFC 7518 §3.3, RFC 8725 §3.5). */
export const MIN_RSA_BITS = 2048

// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/**
 * Imports one public JWK for the algorithms `allowed`.
 *
 * @returns the key, or a sentence naming the problem (symmetric key, private material, not for
 *   signatures, unsupported type, RSA under 2048 bits, no allowed algorithm, invalid key)
 */
export function importPublicJwk(jwk: unknown, allowed: ReadonlySet<string>): VerifyKey | string {
  const checked = checkPublicJwk(jwk, allowed)
  if (typeof checked === 'string') return checked
  const material = publicKeyOf(checked.key)
  if (typeof material === 'string') return material
  return {
    kid: checked.key.kid as string | undefined,
    algorithms: new Set(checked.algorithms),
    material,
  }
}

/**
 * Every check of a public JWK that needs no key import: the members it may and must not have
 * and the algorithms (of `allowed`) it can verify. A DPoP proof's key is checked this way on
 * every request, and imported only once per key (dpop/proof.ts).
 */
export function checkPublicJwk(
  jwk: unknown,
  allowed: ReadonlySet<string>,
): { key: Record<string, unknown>; algorithms: string[] } | string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'is not a JWK object'
  const key = jwk as Record<string, unknown>
  if (key.kty === 'oct')
    return 'is a symmetric (HMAC) key; pass HMAC keys as `secrets`, never in a public key set'
  if (PRIVATE_MEMBERS.some((member) => key[member] !== undefined))
    return 'carries private key material'
  if (key.use !== undefined && key.use !== 'sig')
    return 'is not meant for signatures (`use` is not "sig")'
  if (key.key_ops !== undefined && !Array.isArray(key.key_ops))
    return 'has a `key_ops` that is not an array (RFC 7517 §4.3)'
  if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify'))
    return 'is not meant for verification (`key_ops` lacks "verify")'
  if (key.kid !== undefined && typeof key.kid !== 'string')
    return 'has a `kid` that is not a string'
  const possible = algorithmsForKeyType(key.kty, key.crv)
  if (possible.length === 0)
    return `has an unsupported key type (kty ${describe(key.kty)}, crv ${describe(key.crv)})`
  if (key.alg !== undefined && !possible.includes(key.alg as string))
    return `has an \`alg\` (${describe(key.alg)}) that does not fit its key type`
  const algorithms = [
    ...(key.alg === undefined ? possible : withEdDsaNames([key.alg as string])),
  ].filter((alg) => allowed.has(alg))
  if (algorithms.length === 0) return OUTSIDE_ALLOW_LIST
  return { key, algorithms }
}

/** Imports a JWK that `checkPublicJwk` accepted; RSA keys under 2048 bits are refused. */
export function publicKeyOf(key: Record<string, unknown>): KeyObject | string {
  let material
  try {
    material = createPublicKey({ key: key as JsonWebKey, format: 'jwk' })
  } catch {
    return 'is not a valid public key'
  }
  const bits = material.asymmetricKeyDetails?.modulusLength
  if (key.kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS))
    return `is an RSA key under ${MIN_RSA_BITS} bits`
  return material
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value
}
