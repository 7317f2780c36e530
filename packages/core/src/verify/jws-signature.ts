/**
 * The signature check of a compact JWS (RFC 7515 §5.2, step 8) on node:crypto's synchronous
 * `verify`: no thread pool and no promise between a token and its verdict. One table maps each
 * JWS algorithm to the primitive of its RFC 7518 (or RFC 8037) section. Keys arrive imported
 * and checked by their sources (jwk.ts, secrets.ts); here a key must also fit the algorithm's
 * family (and curve) before it is used, so a key is never used for another algorithm.
 */
import { constants, createHmac, timingSafeEqual, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { MIN_RSA_BITS } from '../keys/jwk.js'

type Rule =
  /** RFC 7518 §3.2: HMAC with SHA-2; the MAC is compared in constant time, at full length. */
  | { kind: 'hmac'; hash: string }
  /** §3.3: RSASSA-PKCS1-v1_5. */
  | { kind: 'rsa-pkcs1'; hash: string }
  /** §3.5: RSASSA-PSS with MGF1 of the same hash, the salt as long as the hash. */
  | { kind: 'rsa-pss'; hash: string; saltLength: number }
  /** §3.4: ECDSA; the signature is R || S, each as long as the curve's order, and nothing else. */
  | { kind: 'ecdsa'; hash: string; curve: string; length: number }
  /** RFC 8037 §3.1: EdDSA, Ed25519 only (what `algorithmsForKeyType` lets a key use). */
  | { kind: 'ed25519' }

const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['HS256', { kind: 'hmac', hash: 'sha256' }],
  ['HS384', { kind: 'hmac', hash: 'sha384' }],
  ['HS512', { kind: 'hmac', hash: 'sha512' }],
  ['RS256', { kind: 'rsa-pkcs1', hash: 'sha256' }],
  ['RS384', { kind: 'rsa-pkcs1', hash: 'sha384' }],
  ['RS512', { kind: 'rsa-pkcs1', hash: 'sha512' }],
  ['PS256', { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }],
  ['PS384', { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 }],
  ['PS512', { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 }],
  ['ES256', { kind: 'ecdsa', hash: 'sha256', curve: 'prime256v1', length: 64 }],
  ['ES384', { kind: 'ecdsa', hash: 'sha384', curve: 'secp384r1', length: 96 }],
  ['ES512', { kind: 'ecdsa', hash: 'sha512', curve: 'secp521r1', length: 132 }],
  ['EdDSA', { kind: 'ed25519' }],
  // RFC 9864: the fully-specified name for EdDSA on Ed25519.
  ['Ed25519', { kind: 'ed25519' }],
])

/**
 * Whether the signature of `token` (a well-formed compact JWS, as `decodeJws` accepts) is valid
 * for `alg` under `key`. An unknown algorithm, a key of another family or curve, an RSA key
 * under 2048 bits, or a signature of the wrong length is `false`, never an exception.
 */
export function verifySignature(token: string, alg: string, key: KeyObject): boolean {
  const rule = RULES.get(alg)
  if (rule === undefined || !fits(rule, key)) return false
  const dot = token.lastIndexOf('.')
  // The JWS signing input: the ASCII of the encoded header and payload, as they came.
  const input = Buffer.from(token.slice(0, dot), 'latin1')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  try {
    switch (rule.kind) {
      case 'hmac': {
        const mac = createHmac(rule.hash, key).update(input).digest()
        return signature.length === mac.length && timingSafeEqual(signature, mac)
      }
      case 'rsa-pkcs1':
        return verify(rule.hash, input, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      case 'rsa-pss':
        return verify(
          rule.hash,
          input,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: rule.saltLength },
          signature,
        )
      case 'ecdsa':
        return (
          signature.length === rule.length &&
          verify(rule.hash, input, { key, dsaEncoding: 'ieee-p1363' }, signature)
        )
      case 'ed25519':
        return verify(null, input, key, signature)
    }
  } catch {
    // OpenSSL refusing the input outright (a signature it cannot parse) is no valid signature.
    return false
  }
}

function fits(rule: Rule, key: KeyObject): boolean {
  switch (rule.kind) {
    case 'hmac':
      return key.type === 'secret'
    case 'rsa-pkcs1':
    case 'rsa-pss':
      return (
        key.asymmetricKeyType === 'rsa' &&
        (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS
      )
    case 'ecdsa':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === rule.curve
    case 'ed25519':
      return key.asymmetricKeyType === 'ed25519'
  }
}
