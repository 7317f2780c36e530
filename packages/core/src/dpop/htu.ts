/**
 * The `htu` comparison of RFC 9449 §4.3 (check 9): the proof's URI and the request's, both
 * without query and fragment, compared after RFC 3986 §6.2.2.1 and §6.2.3 normalisation
 * (case of scheme, host and percent-encodings, default port, empty path).
 *
 * Percent-encoded unreserved characters are not decoded (§6.2.2.2): Express and @koa/router
 * match the raw path, so `/users/%6De` misses a `/users/me` route and lands on `/users/:id`;
 * a proof for `/users/me` must not be good there.
 *
 * Dot segments are not resolved (§6.2.2.3) but refused, on both sides, and so is a backslash:
 * a router matches `/admin/x/../public` or `/admin/..\public` as a path under `/admin`, so a
 * guard that resolved them (as WHATWG URL parsing does, treating `\` as `/` too) would let a
 * proof for `/public` into `/admin`. No client sends them in a request it signs.
 */
import { headerValues } from '../extract/headers.js'
import { targetPath } from '../extract/target.js'

// RFC 3986 §3.2.2 host (a reg-name or an IP literal) and an optional port. A character outside
// it (`@`, `/`, `?`, `#`, `\`, `%`, a space) could move the host or the path when parsed.
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$/
// Scheme, authority and path of an absolute URI (RFC 3986 §3); query and fragment left out.
const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/
const AUTHORITY = /^([A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{0,5}))?$/
const PERCENT = /%[0-9A-Fa-f]{2}/g
const ENCODED_DOT = /%2e/gi
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' }

/**
 * An http(s) URI in normal form without query and fragment, or `undefined` when it is not
 * one: another scheme, userinfo, a malformed host or port, a backslash or a dot segment in the
 * path. The scheme and host are lower-cased, a default or empty port dropped, an empty path
 * made `/`, and the hex digits of percent-encodings written in upper case.
 */
export function normalizedHttpUri(value: string): string | undefined {
  const uri = URI.exec(value)
  const scheme = uri?.[1]!.toLowerCase()
  const authority = uri && AUTHORITY.exec(uri[2]!)
  if (!uri || !authority || (scheme !== 'http' && scheme !== 'https')) return undefined
  const port = authority[2]
  if (port !== undefined && port !== '' && Number(port) > 65535) return undefined
  const shownPort =
    port === undefined || port === '' || Number(port) === Number(DEFAULT_PORTS[scheme])
      ? ''
      : `:${Number(port)}`
  const path = (uri[3] || '/').replace(PERCENT, (encoded) => encoded.toUpperCase())
  if (isAmbiguousPath(path)) return undefined
  return `${scheme}://${authority[1]!.toLowerCase()}${shownPort}${path}`
}

/** Whether a path holds a backslash, or a `.` or `..` segment (percent-encoded or not). */
function isAmbiguousPath(path: string): boolean {
  if (path.includes('\\')) return true
  if (!path.includes('.') && !path.includes('%')) return false
  return path
    .replace(ENCODED_DOT, '.')
    .split('/')
    .some((segment) => segment === '.' || segment === '..')
}

/** What the guard compares a proof's `htu` against: a fixed origin, or the request's own. */
export type HtuBase = { origin: string } | { fromRequest: true }

/** A request's socket, as Node's `IncomingMessage` and Fastify's request both expose it. */
interface WithSocket {
  socket?: { encrypted?: unknown }
}

/**
 * The URI of a request without query, as received: the configured origin, else the request's
 * scheme (https only on a TLS socket) and its one well-formed `Host`, then the request path.
 * `'malformed_header'` when the `Host` is missing, repeated or malformed; `undefined` when the
 * request target is not a path the URI can be built from. Not normalised: `htuMatches` does
 * that only when the proof spells the URI another way.
 */
export function requestUri(
  base: HtuBase,
  url: string,
  rawHeaders: readonly string[],
  raw: object | undefined,
): string | undefined | 'malformed_header' {
  let origin: string
  if ('origin' in base) origin = base.origin
  else {
    const hosts = headerValues(rawHeaders, 'host')
    const host = hosts[0]
    if (hosts.length !== 1 || host === undefined || !HOST.test(host)) return 'malformed_header'
    const encrypted = (raw as WithSocket | undefined)?.socket?.encrypted === true
    origin = `${encrypted ? 'https' : 'http'}://${host}`
  }
  const path = targetPath(url)
  // An origin-form target (RFC 9112 §3.2.1); anything else names no path of this origin. A
  // path a router could read otherwise than a URI parser names no one path at all.
  if (!path.startsWith('/') || path.startsWith('//') || isAmbiguousPath(path)) return undefined
  return origin + path
}

/**
 * Whether a proof's `htu` names the request's URI (`requestUri`, which refuses ambiguous
 * paths). Clients nearly always spell it exactly as the request went out, and two equal strings
 * normalise alike: only a different spelling is normalised.
 */
export function htuMatches(htu: unknown, uri: string): boolean {
  if (htu === uri) return true
  if (typeof htu !== 'string') return false
  const normal = normalizedHttpUri(htu)
  return normal !== undefined && normal === normalizedHttpUri(uri)
}
