/**
 * Revocation: `guard.revoke()` records, and the per-request check that consults them. Records
 * carry their own expiry so the store can forget them once no token they cover can be valid.
 */
import { invalidOption } from '../errors.js'
import { checkKnownKeys } from '../known-keys.js'
import type { JwtClaims } from '../decision.js'
import { andThen } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'
import type { Store, StoredRevocation } from '../store/store.js'

/** What `guard.revoke()` takes. Times are seconds since the epoch or `Date`s. */
export type Revocation =
  /** One token, by `jti`; give its `exp` so the record can expire with it. */
  | { jti: string; exp?: number | Date }
  /** Every token of a subject issued before `before` (default now). */
  | { sub: string; before?: number | Date }
  /** Every token issued before `before`. */
  | { before: number | Date }

/** How long a record is kept when nothing tells when the tokens it covers expire: 30 days. */
export const DEFAULT_RETENTION = 30 * 86400

/** How long records live, in seconds. */
export interface RetentionConfig {
  /** For a record whose tokens' expiry is unknown: a watermark, or a `jti` without `exp`. */
  retention: number
  /** Clock tolerance: a token is accepted until `exp` plus this. */
  tolerance: number
}

/**
 * Validates a revocation and turns it into the record the store keeps.
 *
 * @param now - seconds since the epoch, with fractions: a default watermark also covers tokens
 *   issued earlier in the current second
 * @throws BearerGuardError naming `revoke` or the bad field
 */
export function storedRevocation(
  revocation: Revocation,
  { retention, tolerance }: RetentionConfig,
  now: number,
): StoredRevocation {
  if (typeof revocation !== 'object' || revocation === null)
    return invalidOption('revoke', 'takes { jti }, { sub, before? } or { before }')
  checkKnownKeys(revocation, ['jti', 'exp', 'sub', 'before'], 'revoke')
  const { jti, exp, sub, before } = revocation as {
    jti?: unknown
    exp?: unknown
    sub?: unknown
    before?: unknown
  }
  if (jti !== undefined) {
    if (typeof jti !== 'string' || jti === '')
      invalidOption('revoke.jti', 'must be a non-empty string')
    if (sub !== undefined || before !== undefined)
      invalidOption('revoke', 'takes either jti or sub/before, not both')
    return {
      kind: 'jti',
      jti,
      expiresAt: exp === undefined ? now + retention : seconds(exp, 'revoke.exp') + tolerance,
    }
  }
  if (exp !== undefined) invalidOption('revoke.exp', 'only goes with jti')
  if (sub !== undefined) {
    if (typeof sub !== 'string' || sub === '')
      invalidOption('revoke.sub', 'must be a non-empty string')
    const watermark = before === undefined ? now : seconds(before, 'revoke.before')
    return { kind: 'sub', sub, before: watermark, expiresAt: watermark + retention }
  }
  if (before === undefined) return invalidOption('revoke', 'needs jti, sub or before')
  const watermark = seconds(before, 'revoke.before')
  return { kind: 'all', before: watermark, expiresAt: watermark + retention }
}

/** `revoked` when the store says so; as soon as it says so, when it answers at once. */
export function checkRevoked(claims: JwtClaims, store: Store): MaybePromise<'revoked' | undefined> {
  return andThen(
    store.isRevoked({ jti: claims.jti, sub: claims.sub, iat: claims.iat }),
    revokedReason,
  )
}

// Module-level so the hot path allocates no closure.
function revokedReason(revoked: boolean): 'revoked' | undefined {
  return revoked ? 'revoked' : undefined
}

function seconds(value: unknown, option: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime() / 1000
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return invalidOption(option, 'must be seconds since the epoch or a Date')
}
