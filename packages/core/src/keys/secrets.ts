/**
 * HMAC secrets (RFC 7518 §3.2), current first. A token whose `kid` is a secret's RFC 7638
 * thumbprint is checked against that secret only; a token without `kid` is tried against each.
 */
import { createHash, createSecretKey } from 'node:crypto'
import { invalidOption } from '../errors.js'
import { keySet, staticSource } from './verify-key.js'
import type { KeySource, VerifyKey } from './verify-key.js'

/** Shortest secret accepted, in bytes (RFC 7518 §3.2: at least the size of the hash output). */
export const MIN_SECRET_BYTES = 32

const HASH_BITS: Record<string, number> = { HS256: 256, HS384: 384, HS512: 512 }

/**
 * Validates `secrets` and returns their key source and the algorithms they can verify.
 *
 * @param allowed - the HMAC algorithms allowed; each secret may only use those whose hash is no
 *   longer than the secret (a 32-byte secret verifies HS256 only, a 64-byte one all three)
 * @throws BearerGuardError naming `secrets` or `secrets[i]` for an empty list, a secret that is
 *   not a string or bytes, or a secret under 32 bytes or too short for every allowed algorithm
 */
export function hmacSecrets(
  secrets: unknown,
  allowed: ReadonlySet<string>,
  option: string,
): { source: KeySource; algorithms: Set<string> } {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    return invalidOption(
      option,
      'must be a non-empty array of secrets (strings or Uint8Arrays), current first',
    )
  }
  const keys = secrets.map((secret, i) => secretKey(secret, allowed, `${option}[${i}]`))
  return {
    source: staticSource(keySet(keys)),
    algorithms: new Set(keys.flatMap((key) => [...key.algorithms])),
  }
}

/** The `kid` a secret answers to: its RFC 7638 JWK thumbprint (SHA-256, base64url). */
export function secretKid(bytes: Uint8Array): string {
  const jwk = `{"k":"${Buffer.from(bytes).toString('base64url')}","kty":"oct"}`
  return createHash('sha256').update(jwk).digest('base64url')
}

function secretKey(secret: unknown, allowed: ReadonlySet<string>, option: string): VerifyKey {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
  if (!(bytes instanceof Uint8Array))
    return invalidOption(option, 'must be a string or a Uint8Array')
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    return invalidOption(
      option,
      `is ${bytes.byteLength} bytes; an HMAC secret needs at least ${MIN_SECRET_BYTES}`,
    )
  }
  const raw = Uint8Array.from(bytes)
  const algorithms = new Set([...allowed].filter((alg) => raw.byteLength * 8 >= HASH_BITS[alg]!))
  if (algorithms.size === 0) {
    return invalidOption(
      option,
      `is ${raw.byteLength} bytes, too short for any allowed algorithm (${[...allowed].join(', ')})`,
    )
  }
  return { kid: secretKid(raw), algorithms, material: createSecretKey(raw) }
}
