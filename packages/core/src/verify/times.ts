/** Time claims (RFC 7519 §4.1.4-6): `exp` required, `nbf` and `iat` checked when present. */
import type { JwtClaims } from '../decision.js'

/**
 * Checks `exp`, `nbf` and `iat` against `now`, each with `tolerance` for clock skew.
 * `missing_claim` without `exp`; a claim that is present but not a finite number fails its own
 * check: `expired` for `exp`, `not_yet_valid` for `nbf`, `issued_in_future` for `iat`. Then
 * `expired`, `not_yet_valid`, `issued_in_future` by comparing with `now`.
 *
 * @param now - seconds since the epoch
 * @param tolerance - seconds of clock skew forgiven
 */
export function checkTimes(claims: Record<string, unknown>, now: number, tolerance: number) {
  const { exp, nbf, iat } = claims
  if (exp === undefined) return 'missing_claim'
  if (!isNumericDate(exp)) return 'expired'
  if (nbf !== undefined && !isNumericDate(nbf)) return 'not_yet_valid'
  if (iat !== undefined && !isNumericDate(iat)) return 'issued_in_future'
  // The token is valid strictly before `exp` (RFC 7519 §4.1.4).
  if (exp <= now - tolerance) return 'expired'
  if (nbf !== undefined && nbf > now + tolerance) return 'not_yet_valid'
  if (iat !== undefined && iat > now + tolerance) return 'issued_in_future'
  return undefined
}

/**
 * Whether the registered string claims (`sub`, `jti`) have the type RFC 7519 gives them; the
 * caller refuses one that does not as `claim_mismatch` (present, so not `missing_claim`).
 */
export function hasValidStringClaims(claims: JwtClaims): boolean {
  return (
    (claims.sub === undefined || typeof claims.sub === 'string') &&
    (claims.jti === undefined || typeof claims.jti === 'string')
  )
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}
