/** Audience checks (RFC 7519 §4.1.3): the token's `aud` must name one of the accepted audiences. */
import type { JwtClaims } from '../decision.js'

/** `missing_claim` without `aud`; `wrong_audience` for one of the wrong type or naming none accepted. */
export function checkAudience(claims: JwtClaims, accepted: readonly string[]) {
  const aud = claims.aud
  if (aud === undefined) return 'missing_claim'
  const list = typeof aud === 'string' ? [aud] : aud
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string'))
    return 'wrong_audience'
  return list.some((item) => accepted.includes(item)) ? undefined : 'wrong_audience'
}
