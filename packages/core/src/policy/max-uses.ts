/** Use counts: a token may be accepted at most `maxUses` times (counted in the Store). */
import { invalidOption } from '../errors.js'
import type { JwtClaims } from '../decision.js'
import { identityDigest } from '../identity.js'

/**
 * Validates `maxUses`: a positive integer.
 *
 * @throws BearerGuardError naming `option`
 */
export function maxUsesOption(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    return invalidOption(option, 'must be a positive integer')
  }
  return value
}

/**
 * The key a token's uses are counted under: its issuer and `jti` when it has one (two issuers
 * may reuse a `jti`), else its issuer and signing input; hashed, so no token or id reaches the
 * store.
 */
export function useKey(claims: JwtClaims, token: string): string {
  if (claims.jti !== undefined) return identityDigest('jti', claims.iss, claims.jti)
  // Never the signature: one signing input has several valid signature encodings (ECDSA's
  // (r, n - s); an RSA-PSS signature whose leading zero byte is stripped), while its header
  // and payload have one, since only canonical base64url is accepted.
  return identityDigest('input', claims.iss, token.slice(0, token.lastIndexOf('.')))
}

/** `uses_exhausted` once the count (this request included) exceeds `maxUses`. */
export function checkMaxUses(count: number, maxUses: number) {
  return count > maxUses ? 'uses_exhausted' : undefined
}
