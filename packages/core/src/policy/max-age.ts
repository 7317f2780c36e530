/** Token age: `now - iat` must not exceed a limit (`maxAge` per route, `maxTokenAge` everywhere). */
import type { JwtClaims } from '../decision.js'

/**
 * `missing_claim` when the token has no `iat` (its age cannot be known), `too_old` when
 * `now - iat > maxAge`. No clock tolerance: the limit is exactly what the route asked for.
 *
 * @param maxAge - seconds
 * @param now - seconds since the epoch
 */
export function checkMaxAge(claims: JwtClaims, maxAge: number, now: number) {
  if (typeof claims.iat !== 'number') return 'missing_claim'
  return now - claims.iat > maxAge ? 'too_old' : undefined
}
