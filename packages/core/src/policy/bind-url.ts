/**
 * URL binding: the token names the one path it may be used on, in a `url` claim or as the
 * base64url SHA-256 of that path in `url_sha256`. Both sides are normalized as RFC 3986 §6.2.2
 * says (percent-encoding case, unreserved characters decoded, dot segments removed) and then
 * compared exactly: case, trailing and double slashes, and encoded slashes all still differ.
 */
import { createHash } from 'node:crypto'
import { invalidOption } from '../errors.js'
import { checkKnownKeys } from '../known-keys.js'
import type { JwtClaims } from '../decision.js'

// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~"
const UNRESERVED = /[A-Za-z0-9\-._~]/

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
 * `url_mismatch` unless the token's `claim` (or `<claim>_sha256`) names the request path;
 * `missing_claim` when it has neither.
 *
 * @param url - the request target as received (path and query)
 */
export function checkBoundUrl(claims: JwtClaims, url: string, claim: string) {
  const bound = claims[claim]
  const digest = claims[`${claim}_sha256`]
  if (bound === undefined && digest === undefined) return 'missing_claim'
  const path = normalizePath(url)
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
 * and decoded where they encode an unreserved character, dot segments removed (RFC 3986 §5.2.4).
 */
export function normalizePath(target: string): string {
  const end = target.search(/[?#]/)
  const raw = end === -1 ? target : target.slice(0, end)
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
  return removeDotSegments(decoded)
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

function removeDotSegments(path: string): string {
  const output: string[] = []
  for (const segment of path.split('/').slice(1)) {
    if (segment === '..') {
      if (output.length > 0) output.pop()
    } else if (segment !== '.') {
      output.push(segment)
    }
  }
  // A path ending in "." or ".." names a directory: keep its trailing slash (RFC 3986 §5.2.4).
  const last = path.slice(path.lastIndexOf('/') + 1)
  if (last === '.' || last === '..') output.push('')
  return `/${output.join('/')}`
}
