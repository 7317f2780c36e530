/** Use counts: a token may be accepted at most `maxUses` times (counted in the Store). */
import { createHash } from 'node:crypto'
import { invalidOption } from '../errors.js'
import type { JwtClaims } from '../decision.js'

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
 * may reuse a `jti`), else the token itself; hashed, so no token or id reaches the store.
 */
export function useKey(claims: JwtClaims, token: string): string {
  const identity =
    claims.jti === undefined ? `token\n${token}` : `jti\n${claims.iss}\n${claims.jti}`
  return createHash('sha256').update(identity).digest('base64url')
}

/** `uses_exhausted` once the count (this request included) exceeds `maxUses`. */
export function checkMaxUses(count: number, maxUses: number) {
  return count > maxUses ? 'uses_exhausted' : undefined
}
