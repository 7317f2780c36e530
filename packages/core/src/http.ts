/** Renders a refusal as an HTTP response, and the headers of an authenticated one. */
import { OutgoingMessage } from 'node:http'
import type { Preflight, Refusal } from './decision.js'
import { perPrototype } from './per-prototype.js'
import { HIDDEN_DESCRIPTIONS, REASONS } from './reasons.js'
import type { Reason } from './reasons.js'

/** How refusals are worded; part of the guard's config. */
export interface ResponseConfig {
  /** `realm` of every Bearer challenge. */
  readonly realm: string
  /** `'hide'` drops `Auth-Reason` and makes every refusal of one error code read the same. */
  readonly reasons: 'expose' | 'hide'
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
    )
  }
  if (!hide) headers['Auth-Reason'] = refusal.reason
  if (refusal.retryAfter !== undefined) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(refusal.retryAfter)))
  }
  const body = hide
    ? { error: row.error, error_description: description }
    : { error: row.error, error_description: description, reason: refusal.reason }
  return { status: row.status, headers, body: JSON.stringify(body) }
}

/** A preflight's answer: 204 and no headers of its own (CORS middleware before the guard adds them). */
const PREFLIGHT_RESPONSE: HttpResponse = Object.freeze({
  status: 204,
  headers: Object.freeze({}),
  body: '',
})

/**
 * A guard's renderer. A refusal that carries nothing but its reason always renders the same, so
 * each reason is rendered once and the response shared (frozen: adapters copy it, never change
 * it); a flood of garbage tokens then costs no string building. Refusals with a scope, step-up
 * parameters or a `Retry-After` are rendered each time.
 */
export function responder(config: ResponseConfig): (answer: Refusal | Preflight) => HttpResponse {
  const rendered = new Map<Reason, HttpResponse>()
  return (answer) => {
    if ('preflight' in answer) return PREFLIGHT_RESPONSE
    if (
      answer.scope !== undefined ||
      answer.acrValues !== undefined ||
      answer.maxAge !== undefined ||
      answer.retryAfter !== undefined
    )
      return toHttp(answer, config)
    let response = rendered.get(answer.reason)
    if (!response) {
      response = toHttp({ ok: false, reason: answer.reason }, config)
      Object.freeze(response.headers)
      rendered.set(answer.reason, Object.freeze(response))
    }
    return response
  }
}

function challenge(
  refusal: Refusal,
  realm: string,
  row: { error: string } | false,
  description: string,
): string {
  const params = [`realm="${realm}"`]
  if (row) params.push(`error="${row.error}"`, `error_description="${description}"`)
  if (refusal.scope?.length) params.push(`scope="${refusal.scope.join(' ')}"`)
  if (refusal.acrValues?.length) params.push(`acr_values="${refusal.acrValues.join(' ')}"`)
  if (refusal.maxAge !== undefined) params.push(`max_age=${Math.floor(refusal.maxAge)}`)
  return `Bearer ${params.join(', ')}`
}

/** A response's headers as Node's `ServerResponse` exposes them (Express `res`, Koa `ctx.res`). */
export interface HeaderAccess {
  getHeader(name: string): string | number | readonly string[] | undefined
  setHeader(name: string, value: string): unknown
}

/**
 * Sets the headers an authenticated response gets before the route runs: `Vary: Authorization`
 * (merged into any `Vary` already set) and `Cache-Control: private` unless one is already set.
 * The route can still set its own afterwards.
 */
export function setAuthenticatedHeaders(response: HeaderAccess): void {
  const node = usesNodeMethods(response) === true
  const store = node ? nodeHeaderStore(response) : undefined
  if (store) return setInStore(store)
  const get = node ? nodeGetHeader : response.getHeader
  const set = node ? nodeSetHeader : response.setHeader
  const vary = mergedVary(headerText(get.call(response, 'Vary')))
  if (vary !== undefined) set.call(response, 'Vary', vary)
  if (!headerText(get.call(response, 'Cache-Control')))
    set.call(response, 'Cache-Control', 'private')
}

/** The `Vary` to set given the one already set, or `undefined` when it already covers us. */
function mergedVary(vary: string): string | undefined {
  if (!vary) return 'Authorization'
  return /(^|,)\s*(authorization|\*)\s*(,|$)/i.test(vary) ? undefined : `${vary}, Authorization`
}

// Node's own header methods, called directly when a response's prototype chain leads to them
// unchanged. Why: Express swaps the prototype of every `res` for its app's chain, and looking
// the two methods up through it made the two headers cost about twice what the calls do
// (bench/README.md). Decided once per prototype, at its first response: a chain that overrides
// either method by then (an app's own, an agent's patch of Node's) is called as it is. A method
// assigned on one response object itself is not seen; nothing in Express, Koa or Node does that.
const { getHeader: nodeGetHeader, setHeader: nodeSetHeader } = OutgoingMessage.prototype
const usesNodeMethods = perPrototype(
  (prototype) =>
    (prototype as HeaderAccess).getHeader === nodeGetHeader &&
    (prototype as HeaderAccess).setHeader === nodeSetHeader,
)

/** Node's store of a response's headers: `[name, value]` under the lower-cased name. */
type HeaderStore = Record<string, [string, unknown] | undefined>

// Where, on a Node response, its unchanged setHeader and getHeader keep the headers. Why write
// there rather than call them: Express gives every `res` a hidden class of its own, so each
// read of a property of `res` misses V8's caches, and the two gets and two sets read three or
// four of them each time: 1.6-1.8 µs inside Express, against 0.2-0.9 µs for one read of the
// store and the writes (bench/README.md). The store's symbol is Node's internal `kOutHeaders`:
// found, and its use checked, once at start-up on a response of our own; where Node keeps
// headers otherwise, it stays undefined and every response goes through the methods. One
// difference: on a response whose headers went out already, setHeader would throw; the store
// takes the two headers and nothing reads them again (the route's own write throws then).
const HEADER_STORE = findHeaderStore()

function findHeaderStore(): symbol | undefined {
  try {
    const probe = new OutgoingMessage() as unknown as HeaderAccess & Record<symbol, HeaderStore>
    nodeSetHeader.call(probe, 'Vary', 'probe')
    const symbol = Object.getOwnPropertySymbols(probe).find((candidate) => {
      const entry = probe[candidate]?.vary
      return entry?.[0] === 'Vary' && entry[1] === 'probe'
    })
    if (!symbol) return undefined
    const store = probe[symbol] as HeaderStore
    store['cache-control'] = ['Cache-Control', 'private']
    return nodeGetHeader.call(probe, 'Cache-Control') === 'private' ? symbol : undefined
  } catch {
    return undefined
  }
}

/** The response's header store when it has one already (Express has set `X-Powered-By`). */
function nodeHeaderStore(response: HeaderAccess): HeaderStore | undefined {
  if (!HEADER_STORE) return undefined
  const store = (response as unknown as Record<symbol, HeaderStore | null | undefined>)[
    HEADER_STORE
  ]
  return store ?? undefined
}

/** What `setAuthenticatedHeaders` does through Node's methods, in the store itself. */
function setInStore(store: HeaderStore): void {
  const vary = mergedVary(headerText(store.vary?.[1] as HeaderValue))
  if (vary !== undefined) store.vary = ['Vary', vary]
  if (!headerText(store['cache-control']?.[1] as HeaderValue))
    store['cache-control'] = ['Cache-Control', 'private']
}

type HeaderValue = string | number | readonly string[] | undefined

function headerText(value: HeaderValue): string {
  return Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value)
}
