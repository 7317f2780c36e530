/** Token age: `now - iat` must not exceed a limit (`maxAge` per route, `maxTokenAge` everywhere). */
import type { JwtClaims } from '../decision.js'

/**
 * `missing_claim` when the token has no `iat` (its age cannot be known), `too_old` when
 * `now - iat > maxAge` or when `iat` is present but not a finite number. No clock tolerance:
 * the limit is exactly what the route asked for.
 *
 * @param maxAge - seconds
 * @param now - seconds since the epoch
 */
export function checkMaxAge(claims: JwtClaims, maxAge: number, now: number) {
  const iat: unknown = claims.iat
  if (iat === undefined) return 'missing_claim'
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'too_old'
  return now - iat > maxAge ? 'too_old' : undefined
}
