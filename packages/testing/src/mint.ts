/**
 * Token minting with full control over every byte: valid tokens by default, and any broken
 * variant on request (wrong key, corrupt or empty signature, `alg: none`, odd headers).
 * Signing uses node:crypto directly, independently of the jose code that verifies.
 */
import { createHmac, sign } from 'node:crypto'
import { constants } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { secretThumbprint } from './keys.js'
import type { SigningAlg, SigningKey } from './keys.js'

/** Every algorithm `mint` can produce, `none` included. */
export type MintAlg = SigningAlg | 'HS256' | 'HS384' | 'HS512' | 'none'

/**
 * Claims of a minted token. `iat`, `exp`, `nbf` and `auth_time` take a number (seconds since
 * the epoch) or a time relative to now such as `'-1m'`, `'+5m'`, `'30s'`. A claim set to
 * `undefined` is left out, so `{ exp: undefined }` mints a token without `exp`.
 */
export type MintClaims = Record<string, unknown>

/** How to sign. Defaults give a valid token from the issuer's current key. */
export interface MintOptions {
  /** Algorithm; its key is the issuer's current key for it, or `secrets[0]` for HMAC. */
  alg?: MintAlg
  /** Sign with this key instead (a foreign key, say). Its `kid` is used unless `kid` is given. */
  key?: SigningKey
  /** HMAC secret to sign with instead of the issuer's first one. */
  secret?: Uint8Array
  /** Header `kid`; `null` leaves it out. */
  kid?: string | null
  /** Header `typ`; `null` leaves it out. Default `'at+jwt'` (RFC 9068). */
  typ?: string | null
  /** Extra or overriding header members (`jku`, `crit`, ...); `undefined` removes one. */
  header?: Record<string, unknown>
  /** `'corrupt'` flips one bit of a valid signature; `'empty'` sends no signature at all. */
  signature?: 'valid' | 'corrupt' | 'empty'
}

/** What `mintToken` needs from the issuer. */
export interface MintContext {
  defaultClaims: () => MintClaims
  keyFor: (alg: SigningAlg) => SigningKey
  secrets: readonly Uint8Array[]
  defaultAlg: SigningAlg
}

const TIME_CLAIMS = ['iat', 'exp', 'nbf', 'auth_time']
const RELATIVE = /^([+-])?(\d+)\s*(s|m|h|d)?$/

/** Mints a compact JWS. */
export function mintToken(
  context: MintContext,
  claims: MintClaims = {},
  options: MintOptions = {},
): string {
  const alg = options.alg ?? options.key?.alg ?? context.defaultAlg
  const payload = resolveClaims({ ...context.defaultClaims(), ...claims })
  const signer = signerFor(context, alg, options)
  const header = withoutUndefined({
    alg,
    typ: options.typ === null ? undefined : (options.typ ?? 'at+jwt'),
    kid: options.kid === null ? undefined : (options.kid ?? signer.kid),
    ...options.header,
  })
  const input = `${encode(header)}.${encode(payload)}`
  if (options.signature === 'empty' || alg === 'none') return `${input}.`
  const signature = signer.sign(Buffer.from(input))
  if (options.signature === 'corrupt') signature[signature.length - 1]! ^= 0x01
  return `${input}.${signature.toString('base64url')}`
}

/** Resolves relative times and drops claims set to `undefined`. */
export function resolveClaims(claims: MintClaims): MintClaims {
  const now = Math.floor(Date.now() / 1000)
  const resolved: MintClaims = {}
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue
    resolved[name] =
      TIME_CLAIMS.includes(name) && typeof value === 'string' ? now + relativeSeconds(value) : value
  }
  return resolved
}

/** Base64url of a value's JSON, or of a string taken as the raw JSON text. */
export function encode(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  )
}

function signerFor(context: MintContext, alg: MintAlg, options: MintOptions) {
  if (alg === 'none') return { kid: undefined, sign: () => Buffer.alloc(0) }
  if (alg.startsWith('HS')) {
    const secret = options.secret ?? context.secrets[0]
    if (!secret) throw new Error('mint: this issuer has no HMAC secret')
    return {
      kid: secretThumbprint(secret),
      sign: (data: Buffer) =>
        createHmac(`sha${alg.slice(2)}`, secret)
          .update(data)
          .digest(),
    }
  }
  const key = options.key ?? context.keyFor(alg as SigningAlg)
  return { kid: key.kid, sign: (data: Buffer) => signWith(alg as SigningAlg, key.privateKey, data) }
}

function signWith(alg: SigningAlg, privateKey: KeyObject, data: Buffer): Buffer {
  if (alg === 'EdDSA') return sign(null, data, privateKey)
  const hash = `sha${alg.slice(2)}`
  if (alg.startsWith('ES')) return sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  if (alg.startsWith('PS')) {
    return sign(hash, data, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(alg.slice(2)) / 8,
    })
  }
  return sign(hash, data, privateKey)
}

function relativeSeconds(value: string): number {
  const match = RELATIVE.exec(value.trim())
  if (!match)
    throw new Error(`mint: ${JSON.stringify(value)} is not a relative time like '-1m' or '+5m'`)
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[3] ?? 's') as 's' | 'm' | 'h' | 'd']
  return (match[1] === '-' ? -1 : 1) * Number(match[2]) * unit
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}
