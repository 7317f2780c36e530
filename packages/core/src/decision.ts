/** The values that flow between the core and an adapter: the neutral request in, a decision out. */
import type { Reason } from './reasons.js'

/** The JOSE header of a verified token. */
export interface JwtHeader {
  alg: string
  kid?: string
  typ?: string
  [parameter: string]: unknown
}

/** The claims of a verified token. `iss` and `exp` are always present once verified. */
export interface JwtClaims {
  iss: string
  exp: number
  sub?: string
  aud?: string | string[]
  nbf?: number
  iat?: number
  jti?: string
  scope?: string
  [claim: string]: unknown
}

/** What an accepted request carries (`req.auth`, `ctx.state.auth`, `request.auth`). */
export interface AuthInfo {
  payload: JwtClaims
  header: JwtHeader
  /** Present when the request was sent with a DPoP proof: the proof key's RFC 7638 thumbprint. */
  dpop?: { jkt: string }
}

/**
 * A request as the core sees it, built by an adapter from its framework's request.
 * Nothing in it is framework-specific.
 */
export interface RequestInput {
  /**
   * An object unique to the request and living as long as it: Node's request, or the
   * framework's request object. A request is verified once and a use counted once per `raw`,
   * however many gates it passes; the guard keeps that state on it under `guard.stateKey`.
   */
  raw?: object
  /** HTTP method, as received. */
  method: string
  /**
   * Node's raw header list (`name, value, name, value, ...`). Credentials are read from it
   * because Node keeps only the first of two `Authorization` headers in `req.headers`.
   */
  rawHeaders: readonly string[]
  /** The request target as received (path and query), before any router stripped a prefix. */
  url: string
  /** The parsed body, when a body parser ran before the guard; only read to refuse a token in it. */
  body?: unknown
  /** The route pattern when the framework knows it (`/orders/:id`), for `onDecision` events. */
  route?: string
}

/** Why a request is refused, with what the response needs to say about it. */
export interface Refusal {
  ok: false
  reason: Reason
  /** Scopes the route requires, for `WWW-Authenticate: ... scope="..."` (RFC 6750 §3). */
  scope?: readonly string[]
  /** Acceptable `acr` values for a step-up challenge (RFC 9470 §3). */
  acrValues?: readonly string[]
  /** Maximum authentication age in seconds for a step-up challenge (RFC 9470 §3). */
  maxAge?: number
  /** Seconds after which a 503 is worth retrying. */
  retryAfter?: number
  /** How the DPoP challenge is rendered, when the route accepts DPoP. */
  dpop?: DpopAnswer
}

/**
 * The DPoP side of a refusal: the route's mode and algorithms, whether the request used the
 * DPoP scheme (the error goes on the challenge of the scheme used), and a fresh nonce to send.
 * One frozen value per route and scheme, so the response can be rendered once and shared.
 */
export interface DpopAnswer {
  readonly mode: 'allowed' | 'required'
  /** The `algs` parameter: the accepted proof algorithms, space-separated. */
  readonly algs: string
  readonly used: boolean
  /** A `DPoP-Nonce` to send (RFC 9449 §8). */
  readonly nonce?: string
}

/**
 * A CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), which the guard answers
 * itself with 204 and no headers of its own: a preflight never carries credentials, and passing
 * it on unauthenticated would run any handler that answers every method.
 */
export interface Preflight {
  ok: false
  preflight: true
  /** A preflight is not a refusal: it has no reason. */
  reason?: undefined
}

/** The preflight answer; one shared, frozen value. */
export const PREFLIGHT: Preflight = Object.freeze({ ok: false, preflight: true })

/**
 * The outcome of a gate. `ok` with `auth` means authenticated: the request goes on. Otherwise
 * the guard answers the request itself: a refusal, or a preflight's 204 (`guard.respond`
 * renders both).
 */
export type Decision = Acceptance | Refusal | Preflight

/** An accepted request; `dpopNonce` is a new server nonce the response must carry (RFC 9449 §8). */
export interface Acceptance {
  ok: true
  auth?: AuthInfo
  dpopNonce?: string
}

/** Builds a refusal, optionally with its challenge details. */
export function refuse(reason: Reason, details?: Omit<Refusal, 'ok' | 'reason'>): Refusal {
  return { ok: false, reason, ...details }
}
