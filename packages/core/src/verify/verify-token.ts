/**
 * Verification of one bearer token. Everything that can be refused without cryptography is
 * refused first (shape, `alg`, `typ`, `iss`, times, `aud`, age, unknown `kid`), so garbage costs
 * little; only then is the signature checked, by jose, with an algorithm the options allow.
 */
import { compactVerify } from 'jose'
import { refuse } from '../decision.js'
import type { AuthInfo, JwtClaims, JwtHeader, Refusal } from '../decision.js'
import { decodeJws } from '../jwt/decode-jws.js'
import { isAlgorithm } from '../keys/algorithms.js'
import type { KeySource, VerifyKey } from '../keys/verify-key.js'
import { checkAudience } from '../policy/audience.js'
import { checkMaxAge } from '../policy/max-age.js'
import { joseReason } from './jose-reasons.js'
import { checkTimes, hasValidStringClaims } from './times.js'
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
}

/** A verified token, or why it is refused. */
export type Verification = { ok: true; auth: AuthInfo } | Refusal

/**
 * Verifies a token's shape, header, claims and signature.
 *
 * @param now - seconds since the epoch
 */
export async function verifyToken(
  token: string,
  config: VerifyConfig,
  now: number,
): Promise<Verification> {
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
  if (typeof claims.iss !== 'string') return refuse('missing_claim')
  // The unverified `iss` only selects which issuer's keys and rules apply.
  const issuer = config.issuers.get(claims.iss)
  if (!issuer) return refuse('wrong_issuer')
  if (!issuer.algorithms.has(alg)) return refuse('alg_not_allowed')
  if (!isTypAccepted(issuer.typ, header.typ)) return refuse('wrong_type')
  if (!hasValidStringClaims(claims)) return refuse('malformed_token')
  const claimProblem =
    checkTimes(claims, now, config.clockTolerance) ??
    checkAudience(claims, issuer.audience) ??
    (config.maxTokenAge === undefined ? undefined : checkMaxAge(claims, config.maxTokenAge, now))
  if (claimProblem) return refuse(claimProblem)
  if (token.endsWith('.')) return refuse('bad_signature')
  return verifySignature(token, alg, kid, issuer.keys, { header, payload: claims })
}

async function verifySignature(
  token: string,
  alg: string,
  kid: string | undefined,
  source: KeySource,
  auth: AuthInfo,
): Promise<Verification> {
  const lookup = await source.lookup(alg, kid)
  if ('reason' in lookup)
    return refuse(
      lookup.reason,
      'retryAfter' in lookup ? { retryAfter: lookup.retryAfter } : undefined,
    )
  for (const key of lookup.keys) {
    const reason = await signatureProblem(token, alg, key)
    if (reason === undefined) return { ok: true, auth }
    if (reason !== 'bad_signature') return refuse(reason)
  }
  return refuse('bad_signature')
}

async function signatureProblem(token: string, alg: string, key: VerifyKey) {
  try {
    await compactVerify(token, await key.material(alg), { algorithms: [alg] })
    return undefined
  } catch (error) {
    return joseReason(error)
  }
}
