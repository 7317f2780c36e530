/** Renders a refusal as an HTTP response, and the headers of an authenticated one. */
import type { Acceptance, DpopAnswer, Preflight, Refusal } from './decision.js'
import { HIDDEN_DESCRIPTIONS, REASONS } from './reasons.js'
import type { Reason } from './reasons.js'

/** How refusals are worded; part of the guard's config. */
export interface ResponseConfig {
  /** `realm` of every Bearer challenge. */
  readonly realm: string
  /** `'hide'` drops `Auth-Reason` and makes every refusal of one error code read the same. */
  readonly reasons: 'expose' | 'hide'
  /** The protected resource metadata URL, named in every 401 and 403 challenge (RFC 9728 §5.1). */
  readonly resourceMetadataUrl?: string | undefined
}

/** A response ready to write: adapters copy it verbatim. It may be shared: never change it. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * Renders a refusal: status, `WWW-Authenticate` (RFC 6750 §3, RFC 9470 §3), `Auth-Reason`,
 * `Retry-After` for a 503, and the JSON body `{ error, error_description, reason }`.
 * Every value comes from the reasons table or from options validated at construction, so no
 * quote or control character can reach a header.
 */
export function toHttp(refusal: Refusal, config: ResponseConfig): HttpResponse {
  const row = REASONS[refusal.reason]
  const hide = config.reasons === 'hide'
  const description = (hide && HIDDEN_DESCRIPTIONS[row.error]) || row.description
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    // A refusal must never be served from a shared cache to another client (RFC 9111 §5.2.2.5).
    'Cache-Control': 'no-store',
    Vary: 'Authorization',
  }
  if (row.challenge !== 'none') {
    headers['WWW-Authenticate'] = challenge(
      refusal,
      config.realm,
      row.challenge === 'error' && row,
      description,
      row.status === 400 ? undefined : config.resourceMetadataUrl,
    )
  }
  if (!hide) headers['Auth-Reason'] = refusal.reason
  if (refusal.dpop?.nonce !== undefined) headers['DPoP-Nonce'] = refusal.dpop.nonce
  // A browser client on another origin can read why it was refused, and the nonce to use.
  headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS
  if (refusal.retryAfter !== undefined) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(refusal.retryAfter)))
  }
  const body = hide
    ? { error: row.error, error_description: description }
    : { error: row.error, error_description: description, reason: refusal.reason }
  return { status: row.status, headers, body: JSON.stringify(body) }
}

const EXPOSED_HEADERS = 'WWW-Authenticate, DPoP-Nonce, Auth-Reason'

/** A preflight's answer: 204 and no headers of its own (CORS middleware before the guard adds them). */
const PREFLIGHT_RESPONSE: HttpResponse = Object.freeze({
  status: 204,
  headers: Object.freeze({}),
  body: '',
})

/**
 * A guard's renderer. A refusal that carries nothing but its reason (and its route's DPoP
 * answer, one frozen value per route) always renders the same, so each is rendered once and
 * the response shared (frozen: adapters copy it, never change it); a flood of garbage tokens
 * then costs no string building. Refusals with a scope, step-up parameters, a `Retry-After` or
 * a nonce are rendered each time.
 */
export function responder(config: ResponseConfig): (answer: Refusal | Preflight) => HttpResponse {
  const rendered = new Map<DpopAnswer | undefined, Map<Reason, HttpResponse>>()
  return (answer) => {
    if ('preflight' in answer) return PREFLIGHT_RESPONSE
    const { dpop } = answer
    if (
      answer.scope !== undefined ||
      answer.acrValues !== undefined ||
      answer.maxAge !== undefined ||
      answer.retryAfter !== undefined ||
      dpop?.nonce !== undefined
    )
      return toHttp(answer, config)
    let byReason = rendered.get(dpop)
    if (!byReason) rendered.set(dpop, (byReason = new Map()))
    let response = byReason.get(answer.reason)
    if (!response) {
      response = toHttp({ ok: false, reason: answer.reason, dpop }, config)
      Object.freeze(response.headers)
      byReason.set(answer.reason, Object.freeze(response))
    }
    return response
  }
}

/**
 * `WWW-Authenticate`. Without DPoP, one Bearer challenge. With DPoP allowed, a request without
 * credentials gets the Bearer challenge first (clients that read only the first keep working)
 * and the DPoP one with its `algs`; an error goes on the challenge of the scheme the request
 * used (RFC 9449 §7.1). With DPoP required, only the DPoP challenge.
 */
function challenge(
  refusal: Refusal,
  realm: string,
  row: { error: string } | false,
  description: string,
  metadataUrl: string | undefined,
): string {
  const params: string[] = []
  if (row) params.push(`error="${row.error}"`, `error_description="${description}"`)
  if (refusal.scope?.length) params.push(`scope="${refusal.scope.join(' ')}"`)
  if (refusal.acrValues?.length) params.push(`acr_values="${refusal.acrValues.join(' ')}"`)
  if (refusal.maxAge !== undefined) params.push(`max_age=${Math.floor(refusal.maxAge)}`)
  if (metadataUrl !== undefined) params.push(`resource_metadata="${metadataUrl}"`)
  const bearer = `Bearer ${[`realm="${realm}"`, ...params].join(', ')}`
  const { dpop } = refusal
  if (!dpop) return bearer
  const proof = `DPoP ${[...params, `algs="${dpop.algs}"`].join(', ')}`
  if (dpop.mode === 'required' || (row && dpop.used)) return proof
  return row ? bearer : `${bearer}, ${proof}`
}

/** A response's headers as Node's `ServerResponse` exposes them (Express `res`, Koa `ctx.res`). */
export interface HeaderAccess {
  getHeader(name: string): string | number | readonly string[] | undefined
  setHeader(name: string, value: string): unknown
}

/**
 * Sets the headers an authenticated response gets before the route runs: `Vary: Authorization`
 * (merged into any `Vary` already set) and `Cache-Control: private` unless one is already set.
 * When the DPoP nonce rotates, the new one as `DPoP-Nonce`, with `Cache-Control: no-store`
 * (RFC 9449 §8.2). The route can still set its own afterwards.
 */
export function setAuthenticatedHeaders(response: HeaderAccess, accepted?: Acceptance): void {
  const vary = mergedVary(headerText(response.getHeader('Vary')))
  if (vary !== undefined) response.setHeader('Vary', vary)
  if (accepted?.dpopNonce !== undefined) {
    response.setHeader('DPoP-Nonce', accepted.dpopNonce)
    response.setHeader('Cache-Control', 'no-store')
  } else if (!headerText(response.getHeader('Cache-Control')))
    response.setHeader('Cache-Control', 'private')
}

/**
 * Writes a rendered response's headers (a refusal's, the metadata document's) over a
 * response's. `Vary` and `Access-Control-Expose-Headers` are lists that a middleware before
 * the guard (CORS, compression) may have started: the rendered names are added to theirs,
 * never put in their place. Every other header is set.
 */
export function setResponseHeaders(target: HeaderAccess, response: HttpResponse): void {
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === 'Vary') {
      const vary = mergedVary(headerText(target.getHeader(name)))
      if (vary !== undefined) target.setHeader(name, vary)
    } else if (name === 'Access-Control-Expose-Headers') {
      target.setHeader(name, mergedList(headerText(target.getHeader(name)), value))
    } else target.setHeader(name, value)
  }
}

/** `list` with the names of `added` it lacks appended, compared case-insensitively. */
function mergedList(list: string, added: string): string {
  if (!list) return added
  const present = new Set(list.split(',').map((name) => name.trim().toLowerCase()))
  const missing = added.split(', ').filter((name) => !present.has(name.toLowerCase()))
  return missing.length === 0 ? list : `${list}, ${missing.join(', ')}`
}

/** The `Vary` to set given the one already set, or `undefined` when it already covers us. */
function mergedVary(vary: string): string | undefined {
  if (!vary) return 'Authorization'
  return /(^|,)\s*(authorization|\*)\s*(,|$)/i.test(vary) ? undefined : `${vary}, Authorization`
}

function headerText(value: string | number | readonly string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value)
}
