/** Time claims (RFC 7519 §4.1.4-6): `exp` required, `nbf` and `iat` checked when present. */
import type { JwtClaims } from '../decision.js'

/**
 * Checks `exp`, `nbf` and `iat` against `now`, each with `tolerance` for clock skew.
 * `missing_claim` when `exp` is not a number; `malformed_token` when `nbf` or `iat` is present
 * but not a number; then `expired`, `not_yet_valid`, `issued_in_future`.
 *
 * @param now - seconds since the epoch
 * @param tolerance - seconds of clock skew forgiven
 */
export function checkTimes(claims: Record<string, unknown>, now: number, tolerance: number) {
  const { exp, nbf, iat } = claims
  if (!isNumericDate(exp)) return 'missing_claim'
  if ((nbf !== undefined && !isNumericDate(nbf)) || (iat !== undefined && !isNumericDate(iat))) {
    return 'malformed_token'
  }
  // The token is valid strictly before `exp` (RFC 7519 §4.1.4).
  if (exp <= now - tolerance) return 'expired'
  if (nbf !== undefined && nbf > now + tolerance) return 'not_yet_valid'
  if (iat !== undefined && iat > now + tolerance) return 'issued_in_future'
  return undefined
}

/** Whether the registered string claims (`sub`, `jti`) have the type RFC 7519 gives them. */
export function hasValidStringClaims(claims: JwtClaims): boolean {
  return (
    (claims.sub === undefined || typeof claims.sub === 'string') &&
    (claims.jti === undefined || typeof claims.jti === 'string')
  )
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}
