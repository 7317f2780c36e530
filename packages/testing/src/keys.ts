/** Signing keys and HMAC secrets for the local issuer, generated fresh for every test run. */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { JsonWebKey, KeyObject } from 'node:crypto'

/** The asymmetric algorithms the local issuer signs with: every one bearer-guard verifies. */
export type SigningAlg =
  'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA'

/** A key pair: the private half signs, the public JWK is published in the JWKS. */
export interface SigningKey {
  readonly kid: string
  readonly alg: SigningAlg
  readonly privateKey: KeyObject
  readonly publicJwk: JsonWebKey & { kid: string; alg: SigningAlg; use: 'sig' }
}

/**
 * Generates a key pair for `alg` (RSA keys are 2048 bits).
 *
 * @param kid - defaults to a random, algorithm-prefixed id
 */
export function generateSigningKey(
  alg: SigningAlg,
  kid = `${alg.toLowerCase()}-${randomBytes(6).toString('base64url')}`,
): SigningKey {
  const { privateKey, publicKey } = generatePair(alg)
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' as const }
  return { kid, alg, privateKey, publicJwk }
}

/** A random HMAC secret, 32 bytes unless asked otherwise. */
export function generateSecret(bytes = 32): Uint8Array {
  return new Uint8Array(randomBytes(bytes))
}

/** The RFC 7638 thumbprint of an HMAC secret, the `kid` bearer-guard expects for it. */
export function secretThumbprint(secret: Uint8Array): string {
  const canonical = JSON.stringify({ k: Buffer.from(secret).toString('base64url'), kty: 'oct' })
  return createHash('sha256').update(canonical).digest('base64url')
}

const CURVES = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' } as const

function generatePair(alg: SigningAlg) {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519')
  if (alg.startsWith('ES'))
    return generateKeyPairSync('ec', { namedCurve: CURVES[alg as keyof typeof CURVES] })
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
}
