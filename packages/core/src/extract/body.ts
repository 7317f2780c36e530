/**
 * The request body, as far as bearer-guard cares: whether it carries a token (RFC 6750 §2.2,
 * refused).
 */
import type { RequestInput } from '../decision.js'

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

// Methods whose body has no defined semantics (RFC 9110 §9.3.1, §9.3.2, §9.3.8). RFC 6750 §2.2
// takes a body token only where the body has some, and Fastify never parses such a body: the
// guard does not look at it, so that a request gets one answer whatever the framework.
const BODILESS = new Set(['GET', 'HEAD', 'TRACE'])

/** Whether the request's parsed body carries a token (`hasBodyToken`) where a body counts. */
export function bodyCarriesToken(input: RequestInput): boolean {
  return (
    input.body !== undefined &&
    !BODILESS.has(input.method.toUpperCase()) &&
    hasBodyToken(input.body)
  )
}
