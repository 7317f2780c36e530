/**
 * URL binding: the token names the one path it may be used on, in a `url` claim or as the
 * base64url SHA-256 of that path in `url_sha256`. Both sides are normalized as RFC 3986 §6.2.2
 * says for percent-encoding (case, unreserved characters decoded) and then compared exactly:
 * case, trailing and double slashes, and encoded slashes all still differ. A request path that
 * a router could read as another path is refused rather than normalized (see `isAmbiguousPath`).
 */
import { createHash } from 'node:crypto'
import { invalidOption } from '../errors.js'
import { targetPath } from '../extract/target.js'
import { checkKnownKeys } from '../known-keys.js'
import type { JwtClaims } from '../decision.js'

// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~"
const UNRESERVED = /[A-Za-z0-9\-._~]/
// A `.` or `..` segment (once unreserved characters are decoded, `%2e` is a `.`).
const DOT_SEGMENT = /(^|\/)\.{1,2}(\/|$)/
// A `;` as is or percent-encoded: Fastify's `useSemicolonDelimiter` (and other routers' matrix
// parameters) end the path there.
const SEMICOLON = /;|%3B/i

/**
 * Validates `bindUrl`, returning the claim to read (`url`, or the one named), or `undefined`
 * when binding is off.
 *
 * @throws BearerGuardError naming `option`
 */
export function bindUrlOption(value: unknown, option: string): string | undefined {
  if (value === false) return undefined
  if (value === true) return 'url'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidOption(option, 'must be true, false or { claim?: string }')
  }
  checkKnownKeys(value, ['claim'], option)
  const claim = (value as { claim?: unknown }).claim ?? 'url'
  if (typeof claim !== 'string' || claim === '')
    return invalidOption(`${option}.claim`, 'must be a non-empty claim name')
  return claim
}

/**
 * `url_mismatch` unless the token's `claim` (or `<claim>_sha256`) names the request path, and
 * always for a path holding a dot segment or a `;`; `missing_claim` when the token has neither
 * claim.
 *
 * @param url - the request target as received (path and query)
 */
export function checkBoundUrl(claims: JwtClaims, url: string, claim: string) {
  const bound = ownClaim(claims, claim)
  const digest = ownClaim(claims, `${claim}_sha256`)
  if (bound === undefined && digest === undefined) return 'missing_claim'
  const path = normalizePath(url)
  // Routers dispatch on the path as received: `/transfers/2/approve/../../1/approve` runs the
  // handler of transfer 2 in Express (`app.use` matches the prefix), so removing its dot
  // segments would let a token bound to transfer 1 approve transfer 2.
  if (isAmbiguousPath(path)) return 'url_mismatch'
  if (bound !== undefined)
    return typeof bound === 'string' && normalizePath(pathOf(bound)) === path
      ? undefined
      : 'url_mismatch'
  return digest === pathDigest(path) ? undefined : 'url_mismatch'
}

/** The base64url SHA-256 of a normalized path: what `url_sha256` must hold. */
export function pathDigest(path: string): string {
  return createHash('sha256').update(path).digest('base64url')
}

/**
 * Normalizes a request target's path: query and fragment dropped, percent-encodings upper-cased
 * and decoded where they encode an unreserved character (RFC 3986 §6.2.2.1, §6.2.2.2). Dot
 * segments are kept: a bound route refuses a path that holds one (`isAmbiguousPath`).
 *
 * @example normalizePath('/orders/%7Ejane?page=2') // '/orders/~jane'
 */
export function normalizePath(target: string): string {
  return targetPath(target).replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * Whether a normalized path holds a `.` or `..` segment or a `;` (as is or percent-encoded):
 * a router may read such a path as another one, so a bound route never accepts it.
 */
export function isAmbiguousPath(path: string): boolean {
  return DOT_SEGMENT.test(path) || SEMICOLON.test(path)
}

// A claim the token itself carries, never one inherited from Object.prototype (`constructor`).
function ownClaim(claims: JwtClaims, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined
}

// A `url` claim may be a full URL; only its path is bound (the host is the deployment's concern).
function pathOf(value: string): string {
  if (value.startsWith('/')) return value
  try {
    return new URL(value).pathname
  } catch {
    return value
  }
}
