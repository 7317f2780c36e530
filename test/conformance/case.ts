/** The shape of one conformance case: the app, the request, and the answer all three must give. */
import type { Guard, GuardOptions, Reason, RoutePolicy } from '@bearer-guard/core'
import type { LocalIssuer, MintClaims, MintOptions } from '@bearer-guard/testing'
import type { Mount } from './adapters.js'

/**
 * The issuers a case can use: `main` serves its keys, `other` is a second trusted issuer (its
 * own keys and audience), `down` resets every connection.
 */
export interface Issuers {
  main: LocalIssuer
  other: LocalIssuer
  down: LocalIssuer
  /** Signs with the algorithms the others lack: ES384, ES512, PS384, PS512. */
  more: LocalIssuer
}

/** What to mint: claims over the issuer's defaults, and how to sign. */
export interface TokenSpec {
  claims?: MintClaims
  mint?: MintOptions
}

/** How the request is sent; every function receives the case's token. */
export interface Send {
  method?: 'GET' | 'HEAD' | 'POST' | 'OPTIONS' | 'DELETE'
  /** Default `/orders`. */
  path?: string | ((token: string) => string)
  /** `Authorization` values, one header each; default `Bearer <token>`, none without a token. */
  authorization?: (token: string) => string[]
  /** A query string to append (without `?`). */
  query?: (token: string) => string
  form?: (token: string) => Record<string, string>
  json?: (token: string) => unknown
  headers?: [string, string][]
  /**
   * `DPoP` header values, one header each, made for each request from the token and the URI
   * the request goes to (the server's origin and the path, without query).
   */
  dpop?: (token: string, uri: string) => string[]
}

/** What every adapter must answer. */
export interface Expectation {
  status: number
  /** The refusal reason: the `Auth-Reason` header and the body's `reason`. */
  reason?: Reason
  /** The exact `WWW-Authenticate`, or a pattern for it. */
  challenge?: string | RegExp
  /** The exact JSON body; `''` for an empty one. */
  body?: unknown
  /** Other headers to check; `undefined` means absent. */
  headers?: Record<string, string | RegExp | undefined>
}

export interface Case {
  name: string
  /** Guard options on top of the issuer's `guardOptions`. */
  app?: Partial<GuardOptions> | ((issuers: Issuers) => Partial<GuardOptions>)
  route?: RoutePolicy
  /** Default `'route'`. */
  mount?: Mount
  /** Mount a CORS middleware before the guard (it answers every preflight itself). */
  cors?: boolean
  /** Which issuer's options and keys (default `main`). */
  issuer?: keyof Issuers
  /**
   * Claims and mint options for the token (or a function of the issuers giving them); a string
   * is sent as is; `null` sends none.
   */
  token?: TokenSpec | ((issuers: Issuers) => TokenSpec | string | Promise<string>) | string | null
  send?: Send
  /** Runs on each adapter's guard before the request (a revocation, say). */
  setup?: (guard: Guard) => Promise<void>
  /**
   * Tokens sent once each, in order, before the case's own (another encoding of it, say); each
   * must be accepted.
   */
  first?: (token: string) => string[]
  /** Sends the request this many times; the expectation is for the last (default 1). */
  repeat?: number
  expect: Expectation
  /**
   * Where one framework's own order of work gives another answer, that adapter's expectation,
   * with the reason in `why`; the other adapters must still answer identically.
   */
  differs?: { adapter: 'express' | 'koa' | 'fastify'; expect: Expectation; why: string }
}
