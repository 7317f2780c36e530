/**
 * Verification of one bearer token. Everything that can be refused without cryptography is
 * refused first (shape, `alg`, `typ`, `iss`, times, `aud`, age, unknown `kid`), so garbage costs
 * little; only then is the signature checked (jws-signature.ts), with an algorithm the options
 * allow.
 */
import { refuse } from '../decision.js'
import type { AuthInfo, JwtClaims, JwtHeader, Refusal } from '../decision.js'
import { decodeJws } from '../jwt/decode-jws.js'
import { isAlgorithm } from '../keys/algorithms.js'
import type { KeySource, VerifyKey } from '../keys/verify-key.js'
import { checkAudience } from '../policy/audience.js'
import { checkMaxAge } from '../policy/max-age.js'
import { verifySignature } from './jws-signature.js'
import { checkTimes, hasValidStringClaims } from './times.js'
import { andThen } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'
import { recall, remember } from './token-cache.js'
import type { CachedVerification, TokenCache } from './token-cache.js'
import { isTypAccepted } from './typ.js'
import type { TypRule } from './typ.js'

/** The rules and keys of one trusted issuer. */
export interface IssuerConfig {
  readonly issuer: string
  readonly audience: readonly string[]
  readonly algorithms: ReadonlySet<string>
  readonly typ: TypRule
  readonly keys: KeySource
}

/** What verification needs from the guard's config. Durations in seconds. */
export interface VerifyConfig {
  /** Trusted issuers by their exact `iss` value. */
  readonly issuers: ReadonlyMap<string, IssuerConfig>
  readonly clockTolerance: number
  readonly maxTokenAge: number | undefined
  /** Verifications to reuse for repeated tokens; `undefined` when turned off. */
  readonly tokenCache: TokenCache | undefined
}

/** A verified token, or why it is refused. */
export type Verification = { ok: true; auth: AuthInfo } | Refusal

/**
 * Verifies a token's shape, header, claims and signature.
 *
 * @param now - seconds since the epoch
 * @param recalled - the token cache's entry for `token` when the caller looked it up already
 *   (`null`: it has none); looked up here when left out
 */
export function verifyToken(
  token: string,
  config: VerifyConfig,
  now: number,
  recalled?: CachedVerification | null,
): MaybePromise<Verification> {
  const cached =
    recalled === undefined ? config.tokenCache && recall(config.tokenCache, token) : recalled
  if (cached) return reuse(cached, config, now)
  const jws = decodeJws(token)
  if (!jws) return refuse('malformed_token')
  const header = jws.header as JwtHeader
  const claims = jws.payload as JwtClaims
  const { alg, kid } = header
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string'))
    return refuse('malformed_token')
  // The header only picks among what the options allow; `none` and unknown names are never allowed.
  if (!isAlgorithm(alg)) return refuse('alg_not_allowed')
  // RFC 7515 §4.1.11: an extension we do not understand must be refused; we understand none.
  if (header.crit !== undefined || header.b64 !== undefined) return refuse('malformed_token')
  // An absent claim is `missing_claim`; a present one of the wrong type fails its own check.
  if (claims.iss === undefined) return refuse('missing_claim')
  // The unverified `iss` only selects which issuer's keys and rules apply.
  const issuer = typeof claims.iss === 'string' ? config.issuers.get(claims.iss) : undefined
  if (!issuer) return refuse('wrong_issuer')
  if (!issuer.algorithms.has(alg)) return refuse('alg_not_allowed')
  if (!isTypAccepted(issuer.typ, header.typ)) return refuse('wrong_type')
  if (!hasValidStringClaims(claims)) return refuse('claim_mismatch')
  const claimProblem =
    checkTimes(claims, now, config.clockTolerance) ??
    checkAudience(claims, issuer.audience) ??
    (config.maxTokenAge === undefined ? undefined : checkMaxAge(claims, config.maxTokenAge, now))
  if (claimProblem) return refuse(claimProblem)
  if (token.endsWith('.')) return refuse('bad_signature')
  // A fresh key set answers at once, so an unknown `kid` is refused without waiting either.
  return andThen(issuer.keys.lookup(alg, kid), (lookup) =>
    'reason' in lookup
      ? refuse(
          lookup.reason,
          'retryAfter' in lookup ? { retryAfter: lookup.retryAfter } : undefined,
        )
      : checkSignature(token, config, now, issuer, lookup.keys, { header, payload: claims }),
  )
}

/** Checks the signature against each candidate key, and remembers the outcome. */
function checkSignature(
  token: string,
  config: VerifyConfig,
  now: number,
  issuer: IssuerConfig,
  keys: readonly VerifyKey[],
  { header, payload: claims }: AuthInfo,
): Verification {
  // Read after the lookup, which may have waited for a refresh: the entry carries the key set
  // that verified it.
  const generation = issuer.keys.generation()
  const outcome = keys.some((key) => verifySignature(token, header.alg, key.material))
    ? { header: deepFreeze(header), payload: deepFreeze(claims) }
    : ('bad_signature' as const)
  if (config.tokenCache && generation !== undefined)
    remember(
      config.tokenCache,
      token,
      { issuer, generation, outcome },
      claims.exp + config.clockTolerance,
      now,
    )
  return outcome === 'bad_signature' ? refuse(outcome) : { ok: true, auth: { ...outcome } }
}

/** A cached verification, with its times checked again: only the signature check is skipped. */
function reuse(entry: CachedVerification, config: VerifyConfig, now: number): Verification {
  if (entry.outcome === 'bad_signature') return refuse('bad_signature')
  const claims = entry.outcome.payload
  const problem =
    checkTimes(claims, now, config.clockTolerance) ??
    (config.maxTokenAge === undefined ? undefined : checkMaxAge(claims, config.maxTokenAge, now))
  // A fresh outer object per request; the claims themselves are frozen and shared.
  return problem ? refuse(problem) : { ok: true, auth: { ...entry.outcome } }
}

/** Freezes a decoded JSON value: a cached verification is shared by every request that repeats it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member)
    Object.freeze(value)
  }
  return value
}
