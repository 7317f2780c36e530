/**
 * Step-up authentication (RFC 9470): the token's `acr` must be one of the acceptable values and
 * its `auth_time` recent enough; otherwise the client is told what to ask the user for.
 */
import { invalidOption } from '../errors.js'
import type { JwtClaims } from '../decision.js'

// Values travel space-separated in a quoted header parameter (RFC 9470 §3).
const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Validates `acr`: a non-empty array of values without spaces, quotes or backslashes.
 *
 * @throws BearerGuardError naming `option`
 */
export function acrOption(value: unknown, option: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item) => typeof item === 'string' && ACR_VALUE.test(item))
  ) {
    return invalidOption(
      option,
      'must be a non-empty array of acr values (no spaces, quotes or backslashes)',
    )
  }
  return value as string[]
}

/**
 * `step_up_required` when `acr` is required and the token's is absent or not acceptable, or when
 * `maxAuthAge` is set and `auth_time` is absent, not a finite number, later than now plus the
 * clock tolerance, or older than `maxAuthAge` (no tolerance there).
 *
 * @param maxAuthAge - seconds
 * @param now - seconds since the epoch
 * @param tolerance - seconds of clock skew forgiven on an `auth_time` ahead of `now`
 */
export function checkStepUp(
  claims: JwtClaims,
  acr: readonly string[] | undefined,
  maxAuthAge: number | undefined,
  now: number,
  tolerance: number,
) {
  if (acr && !(typeof claims.acr === 'string' && acr.includes(claims.acr)))
    return 'step_up_required'
  if (maxAuthAge === undefined) return undefined
  const authTime = claims.auth_time
  // JSON reads 1e400 as Infinity, which is "recent" for any maxAuthAge.
  return typeof authTime === 'number' &&
    Number.isFinite(authTime) &&
    authTime <= now + tolerance &&
    now - authTime <= maxAuthAge
    ? undefined
    : 'step_up_required'
}
