/** The algorithm families bearer-guard verifies, and which a given key type can ever use. */

/** Default for public keys: `none` and every HMAC algorithm are never in it. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const

/** Default for `secrets`. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const

/** Every algorithm name the `algorithms` option accepts. */
export type Algorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number]

const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
// A Map, never an object: a `crv` of "constructor" must find nothing, not Object.prototype's.
const BY_CURVE: ReadonlyMap<unknown, readonly string[]> = new Map([
  ['P-256', ['ES256']],
  ['P-384', ['ES384']],
  ['P-521', ['ES512']],
  ['Ed25519', ['EdDSA']],
])

/** Whether `name` is an algorithm bearer-guard can verify. */
export function isAlgorithm(name: unknown): name is Algorithm {
  return (
    typeof name === 'string' &&
    (isHmac(name) || (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(name))
  )
}

/** Whether `name` is an HMAC algorithm, which is only ever tried with a secret. */
export function isHmac(name: string): boolean {
  return (HMAC_ALGORITHMS as readonly string[]).includes(name)
}

/** The algorithms a public key of this `kty` and `crv` can verify (RFC 7518 §3.1). */
export function algorithmsForKeyType(kty: unknown, crv: unknown): readonly string[] {
  if (kty === 'RSA') return RSA
  if (kty === 'EC' || kty === 'OKP') return BY_CURVE.get(crv) ?? []
  return []
}
