/**
 * The request body, as far as bearer-guard cares: whether it carries a token (RFC 6750 §2.2,
 * refused), and whether a request announces one at all.
 */
import { isHeader } from './headers.js'

/** The parameter name RFC 6750 §2.2 and §2.3 give a token outside the header. */
export const ACCESS_TOKEN_PARAM = 'access_token'

/**
 * Whether a parsed body (an object from any body parser, or a raw urlencoded string) holds an
 * `access_token` member. Binary bodies are never read.
 */
export function hasBodyToken(body: unknown): boolean {
  if (typeof body === 'string') {
    return body.includes(ACCESS_TOKEN_PARAM) && new URLSearchParams(body).has(ACCESS_TOKEN_PARAM)
  }
  return (
    typeof body === 'object' &&
    body !== null &&
    !ArrayBuffer.isView(body) &&
    Object.hasOwn(body, ACCESS_TOKEN_PARAM)
  )
}

/**
 * Whether a request announces a body (RFC 9112 §6.3: `Transfer-Encoding`, or a non-zero
 * `Content-Length`). Frameworks that parse the body after authentication hooks use it to wait
 * for the body before deciding.
 */
export function expectsBody(rawHeaders: readonly string[]): boolean {
  // One pass and no array: Express asks this of every request (packages/express).
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (isHeader(name, 'transfer-encoding')) return true
    if (isHeader(name, 'content-length') && Number(rawHeaders[i + 1]) > 0) return true
  }
  return false
}
