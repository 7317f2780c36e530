/**
 * The `htu` comparison of RFC 9449 §4.3 (check 9): the proof's URI and the request's, both
 * without query and fragment, compared after RFC 3986 §6.2.2 and §6.2.3 normalisation.
 */
import { headerValues } from '../extract/headers.js'
import { targetPath } from '../extract/target.js'

// RFC 3986 §3.2.2 host (a reg-name or an IP literal) and an optional port. A character outside
// it (`@`, `/`, `?`, `#`, `\`, a space) could move the host or the path when the URL is parsed.
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$/
const PERCENT = /%([0-9A-Fa-f]{2})/g
// RFC 3986 §2.3 unreserved characters, which percent-encoding must not change (§6.2.2.2).
const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * An http(s) URI in normal form without query and fragment, or `undefined` when it is not
 * one. WHATWG URL parsing lower-cases the scheme and host, drops a default port, resolves dot
 * segments (`%2e` included) and turns an empty path into `/` (§6.2.2.1, §6.2.2.3, §6.2.3);
 * percent-encodings are then written in upper case, and decoded where they spell an
 * unreserved character (§6.2.2.2).
 */
export function normalizedHttpUri(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    return undefined
  const path = url.pathname.includes('%')
    ? url.pathname.replace(PERCENT, normalEncoding)
    : url.pathname
  return `${url.protocol}//${url.host}${path}`
}

function normalEncoding(encoded: string, hex: string): string {
  const character = String.fromCharCode(Number.parseInt(hex, 16))
  return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`
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
  // An origin-form target (RFC 9112 §3.2.1); anything else names no path of this origin.
  if (!path.startsWith('/') || path.startsWith('//')) return undefined
  return origin + path
}

/**
 * Whether a proof's `htu` names the request's URI (`requestUri`). Clients nearly always spell
 * it exactly as the request went out, and two equal strings normalise alike: only a different
 * spelling costs the two URL parses.
 */
export function htuMatches(htu: unknown, uri: string): boolean {
  if (htu === uri) return true
  if (typeof htu !== 'string') return false
  const normal = normalizedHttpUri(htu)
  return normal !== undefined && normal === normalizedHttpUri(uri)
}
