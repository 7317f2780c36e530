/** Signing keys and HMAC secrets for the local issuer, generated fresh for every test run. */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { JsonWebKey, KeyObject } from 'node:crypto'

/** The asymmetric algorithms the local issuer signs with. */
export type SigningAlg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA'

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

function generatePair(alg: SigningAlg) {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 })
    case 'EdDSA':
      return generateKeyPairSync('ed25519')
  }
}
