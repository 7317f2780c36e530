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
  'Ed25519',
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
  // RFC 9864's fully-specified `Ed25519` is the same algorithm as `EdDSA` on an Ed25519 key.
  ['Ed25519', ['EdDSA', 'Ed25519']],
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

/**
 * An allow-list with `EdDSA` and `Ed25519` standing for each other: they name one algorithm
 * (RFC 9864 §2), so listing one accepts tokens and proofs that carry either name.
 */
export function withEdDsaNames(algorithms: Iterable<string>): Set<string> {
  const set = new Set(algorithms)
  if (set.has('EdDSA') || set.has('Ed25519')) set.add('EdDSA').add('Ed25519')
  return set
}
