/**
 * Credential extraction (RFC 6750 §2, RFC 9449 §7.1): the token is taken from the
 * `Authorization` header only, under the `Bearer` or the `DPoP` scheme. A token offered in the
 * query string (§2.3) or a form body (§2.2) is refused, never used.
 */
import type { RequestInput } from '../decision.js'
import type { Reason } from '../reasons.js'
import { ACCESS_TOKEN_PARAM, bodyCarriesToken } from './body.js'
import { headerValues } from './headers.js'
import { targetPath } from './target.js'

/** Largest bearer token accepted, in characters; a larger one is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** Largest `DPoP` proof header accepted, in characters; a larger one is refused unparsed. */
export const MAX_PROOF_LENGTH = 8192

/** The authentication scheme a request used (scheme names are case-insensitive, RFC 9110 §11.1). */
export type Scheme = 'bearer' | 'dpop'

/**
 * The outcome of extraction: the token and its scheme, no credentials at all, or a malformed
 * request (with the scheme, once the header named one of ours).
 */
export type Extraction =
  | { token: string; scheme: Scheme }
  | {
      scheme?: Scheme
      reason: Extract<
        Reason,
        | 'missing_token'
        | 'malformed_header'
        | 'token_in_query'
        | 'token_in_body'
        | 'multiple_tokens'
        | 'token_too_large'
        | 'invalid_dpop_proof'
      >
    }

/**
 * Finds the bearer token of a request. Order matters: a token in the query or body is refused
 * even when the header also carries one, so a client that leaks tokens into URLs learns it.
 *
 * @param seen - credentials that passed the b64token grammar before (the guard passes a lookup
 *   in its token cache, which holds only tokens that did): the grammar is a property of the
 *   string alone, so a repeated token is not scanned again (a regular expression over every
 *   character).
 */
export function extractBearer(
  input: RequestInput,
  seen?: (credentials: string) => boolean,
): Extraction {
  if (hasQueryToken(input.url)) return { reason: 'token_in_query' }
  if (bodyCarriesToken(input)) return { reason: 'token_in_body' }
  const values = headerValues(input.rawHeaders, 'authorization')
  if (values.length === 0) return { reason: 'missing_token' }
  if (values.length > 1) return { reason: 'multiple_tokens' }
  return parseAuthorization(values[0] as string, seen)
}

/** A CORS preflight (OPTIONS with `Access-Control-Request-Method`) never carries credentials. */
export function isPreflight(input: RequestInput): boolean {
  const { method } = input
  return (
    // The length first: upper-casing every GET would make a string per request.
    method.length === 7 &&
    method.toUpperCase() === 'OPTIONS' &&
    headerValues(input.rawHeaders, 'access-control-request-method').length > 0
  )
}

function parseAuthorization(
  value: string,
  seen: ((credentials: string) => boolean) | undefined,
): Extraction {
  // What nearly every client sends, "Bearer " then a value that starts and ends with a token
  // character: the credentials are the rest of the value as it is, and the full parse below
  // would find the same (nothing to trim, no case to fold, no more spaces to skip). It saves
  // three new strings and a regular expression on every request.
  if (
    value.startsWith('Bearer ') &&
    isTokenCharacter(value.charCodeAt(7)) &&
    isTokenCharacter(value.charCodeAt(value.length - 1))
  )
    return checkCredentials(value.slice(7), 'bearer', seen)
  const header = value.trim()
  const space = header.indexOf(' ')
  const name = (space === -1 ? header : header.slice(0, space)).toLowerCase()
  if (name !== 'bearer' && name !== 'dpop') return otherScheme(header, name)
  const scheme: Scheme = name
  const credentials = header.slice(space + 1).replace(/^ +/, '')
  if (space === -1 || credentials === '') return { reason: 'malformed_header', scheme }
  return checkCredentials(credentials, scheme, seen)
}

function checkCredentials(
  credentials: string,
  scheme: Scheme,
  seen: ((credentials: string) => boolean) | undefined,
): Extraction {
  // Size first, so an oversized header costs no regular-expression work.
  if (credentials.length > MAX_TOKEN_LENGTH) return { reason: 'token_too_large', scheme }
  if (seen?.(credentials) || B64TOKEN.test(credentials)) return { token: credentials, scheme }
  return {
    reason: isCredentialList(credentials) ? 'multiple_tokens' : 'malformed_header',
    scheme,
  }
}

/**
 * The request's one `DPoP` proof header (RFC 9449 §4.3 check 1), or why there is none usable:
 * absent, repeated, or over `MAX_PROOF_LENGTH`. Nothing of the proof is parsed here.
 */
export function extractProof(rawHeaders: readonly string[]): string | 'invalid_dpop_proof' {
  const values = headerValues(rawHeaders, 'dpop')
  const proof = values[0]
  return values.length !== 1 || proof === undefined || proof.length > MAX_PROOF_LENGTH
    ? 'invalid_dpop_proof'
    : proof
}

/** A character of RFC 6750's b64token (A-Z a-z 0-9 - . _ ~ + / =), by its UTF-16 code; NaN is not. */
function isTokenCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 45 && code <= 57) || // - . / 0-9
    code === 95 || // _
    code === 126 || // ~
    code === 43 || // +
    code === 61 // =
  )
}

function otherScheme(header: string, scheme: string): Extraction {
  if (header === '') return { reason: 'malformed_header' }
  // "Bearer:x" or "DPoPx" is a broken credential of ours, not another scheme.
  if (/^(bearer|dpop)/.test(scheme)) return { reason: 'malformed_header' }
  // "Basic x, Bearer y": two credentials folded into one header by a client or a proxy.
  if (/,\s*(bearer|dpop)(\s|$)/i.test(header)) return { reason: 'multiple_tokens' }
  // RFC 6750 §3.1: a request with no credentials for this scheme gets a bare challenge.
  return { reason: 'missing_token' }
}

/** "a, b" or "a, Bearer b": a comma can only separate credentials, it is never in a token. */
function isCredentialList(credentials: string): boolean {
  const parts = credentials.split(',')
  return parts.length > 1 && parts.every((part) => part.trim() !== '')
}

/**
 * Whether the URL carries an `access_token` parameter: in the query, or in a path parameter
 * after a `;` (`/orders;access_token=…`). Fastify with `useSemicolonDelimiter` reads what
 * follows a `;` as the query, and any router hands a `;` segment to a route parameter: either
 * way it is a token in the URL. A fragment is never read.
 */
function hasQueryToken(url: string): boolean {
  // Cheap test first; URLSearchParams also catches a percent-encoded parameter name.
  if (!url.includes('access') && !url.includes('%')) return false
  const path = targetPath(url)
  const parameters = path.indexOf(';')
  if (parameters !== -1 && hasParam(path.slice(parameters + 1).replaceAll(';', '&'))) return true
  if (url[path.length] !== '?') return false
  const end = url.indexOf('#', path.length)
  return hasParam(url.slice(path.length + 1, end === -1 ? undefined : end))
}

function hasParam(query: string): boolean {
  return new URLSearchParams(query).has(ACCESS_TOKEN_PARAM)
}
