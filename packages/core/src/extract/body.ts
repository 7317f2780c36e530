/**
 * The request body, as far as bearer-guard cares: whether it carries a token (RFC 6750 §2.2,
 * refused).
 */

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
