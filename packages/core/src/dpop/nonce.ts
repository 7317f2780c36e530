/**
 * Server-provided DPoP nonces (RFC 9449 §8), stateless: a nonce is its issue time, random
 * bytes and an HMAC of both under the guard's nonce secret, so every process holding the same
 * secret accepts the nonces of the others and nothing is stored. Without the secret a client
 * can neither forge a nonce nor predict the next one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { isBase64url } from '../jwt/decode-jws.js'

/** How long a nonce is accepted, in seconds. */
export const NONCE_LIFETIME = 300
/** A nonce older than this is replaced on the next accepted request (a `DPoP-Nonce` on the 200). */
export const NONCE_ROTATION = NONCE_LIFETIME / 2

const TIME_BYTES = 6
const RANDOM_BYTES = 10
const MAC_BYTES = 16
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES
// The base64url length of NONCE_BYTES (32 bytes: 43 characters, no padding).
const NONCE_LENGTH = Math.ceil((NONCE_BYTES * 4) / 3)

// One secret per process for guards configured without `nonceSecret`: their nonces are then
// accepted by this process only.
let processSecret: Buffer | undefined

/** Issues and checks nonces under one secret. */
export class Nonces {
  private readonly secret: Buffer

  constructor(secret: Uint8Array | undefined) {
    this.secret = secret ? Buffer.from(secret) : (processSecret ??= randomBytes(32))
  }

  /** A fresh nonce, issued at `now` (seconds). */
  issue(now: number): string {
    const nonce = Buffer.alloc(NONCE_BYTES)
    nonce.writeUIntBE(Math.floor(now), 0, TIME_BYTES)
    randomBytes(RANDOM_BYTES).copy(nonce, TIME_BYTES)
    this.mac(nonce).copy(nonce, TIME_BYTES + RANDOM_BYTES, 0, MAC_BYTES)
    return nonce.toString('base64url')
  }

  /**
   * The age in seconds of a nonce this secret issued and that is still within its lifetime
   * (issued at most `tolerance` seconds in the future), else `undefined`.
   */
  age(value: unknown, now: number, tolerance: number): number | undefined {
    // Canonical base64url only: one spelling per nonce, as for every JWS segment.
    if (typeof value !== 'string' || value.length !== NONCE_LENGTH || !isBase64url(value)) return
    const nonce = Buffer.from(value, 'base64url')
    if (nonce.length !== NONCE_BYTES) return
    const expected = this.mac(nonce).subarray(0, MAC_BYTES)
    if (!timingSafeEqual(expected, nonce.subarray(TIME_BYTES + RANDOM_BYTES))) return
    const age = now - nonce.readUIntBE(0, TIME_BYTES)
    return age <= NONCE_LIFETIME && age >= -tolerance ? Math.max(age, 0) : undefined
  }

  private mac(nonce: Buffer): Buffer {
    return createHmac('sha256', this.secret)
      .update(nonce.subarray(0, TIME_BYTES + RANDOM_BYTES))
      .digest()
  }
}
