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

/**
 * What `guard.revoke()` takes. Times are seconds since the epoch or `Date`s. `iss` names the
 * issuer whose tokens are revoked; without it the revocation applies to every issuer.
 */
export type Revocation =
  /** One token, by `jti`; give its `exp` so the record can expire with it. */
  | { jti: string; iss?: string; exp?: number | Date }
  /** Every token of a subject issued before `before` (default now). */
  | { sub: string; iss?: string; before?: number | Date }
  /** Every token issued before `before`. */
  | { iss?: string; before: number | Date }

/** How long a record is kept when nothing tells when the tokens it covers expire: 30 days. */
export const DEFAULT_RETENTION = 30 * 86400

/** What turning a revocation into a record needs from the guard's config (seconds). */
export interface RevocationConfig {
  /** For a record whose tokens' expiry is unknown: a watermark, or a `jti` without `exp`. */
  retention: number
  /** Clock tolerance: a token is accepted until `exp` plus this, and may claim an `iat` this far ahead. */
  tolerance: number
  /** The configured issuers, which `iss` must name. */
  issuers: ReadonlySet<string>
}

const FIELDS = ['jti', 'iss', 'exp', 'sub', 'before']

/**
 * Validates a revocation and turns it into the record the store keeps. A watermark is moved
 * forward by the clock tolerance: a token minted just before the revocation by an issuer whose
 * clock runs ahead carries an `iat` up to that much later, and must be covered too.
 *
 * @param now - seconds since the epoch, with fractions: a default watermark also covers tokens
 *   issued earlier in the current second
 * @throws BearerGuardError naming `revoke` or the bad field
 */
export function storedRevocation(
  revocation: Revocation,
  { retention, tolerance, issuers }: RevocationConfig,
  now: number,
): StoredRevocation {
  if (typeof revocation !== 'object' || revocation === null)
    return invalidOption(
      'revoke',
      'takes { jti, iss? }, { sub, iss?, before? } or { iss?, before }',
    )
  checkKnownKeys(revocation, FIELDS, 'revoke')
  const { jti, iss, exp, sub, before } = revocation as Record<string, unknown>
  const scope = issuerScope(iss, issuers)
  if (jti !== undefined) {
    if (sub !== undefined || before !== undefined)
      invalidOption('revoke', 'takes either jti or sub/before, not both')
    return {
      kind: 'jti',
      ...scope,
      jti: identifier(jti, 'revoke.jti'),
      expiresAt: exp === undefined ? now + retention : seconds(exp, 'revoke.exp') + tolerance,
    }
  }
  if (exp !== undefined) invalidOption('revoke.exp', 'only goes with jti')
  if (sub !== undefined) {
    const watermark = (before === undefined ? now : seconds(before, 'revoke.before')) + tolerance
    return {
      kind: 'sub',
      ...scope,
      sub: identifier(sub, 'revoke.sub'),
      before: watermark,
      expiresAt: watermark + retention,
    }
  }
  if (before === undefined) return invalidOption('revoke', 'needs jti, sub or before')
  const watermark = seconds(before, 'revoke.before') + tolerance
  return { kind: 'all', ...scope, before: watermark, expiresAt: watermark + retention }
}

/** `revoked` when the store says so; as soon as it says so, when it answers at once. */
export function checkRevoked(claims: JwtClaims, store: Store): MaybePromise<'revoked' | undefined> {
  return andThen(
    store.isRevoked({ iss: claims.iss, jti: claims.jti, sub: claims.sub, iat: claims.iat }),
    revokedReason,
  )
}

// Module-level so the hot path allocates no closure.
function revokedReason(revoked: boolean): 'revoked' | undefined {
  return revoked ? 'revoked' : undefined
}

function issuerScope(iss: unknown, issuers: ReadonlySet<string>): { iss?: string } {
  if (iss === undefined) return {}
  if (typeof iss !== 'string' || !issuers.has(iss))
    invalidOption(
      'revoke.iss',
      `must be one of the configured issuers (${[...issuers].join(', ')})`,
    )
  return { iss: iss as string }
}

function identifier(value: unknown, option: string): string {
  return typeof value === 'string' && value !== ''
    ? value
    : invalidOption(option, 'must be a non-empty string')
}

function seconds(value: unknown, option: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime() / 1000
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return invalidOption(option, 'must be seconds since the epoch or a Date')
}
