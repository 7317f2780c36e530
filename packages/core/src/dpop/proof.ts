/**
 * The DPoP proof check (RFC 9449 §4.3 and §7.1), run as the first check of every gate that
 * accepts DPoP, once the access token verified. Cheap checks come first and the signature
 * last but one, so a forged proof costs no more than a valid one; the proof's `jti` is counted
 * last, through the Store, so a proof is accepted once in every process sharing the store.
 */
import type { KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { refuse } from '../decision.js'
import type { JwtClaims, Refusal } from '../decision.js'
import { identityDigest } from '../identity.js'
import { decodeJsonObject, isBase64url } from '../jwt/decode-jws.js'
import { checkPublicJwk, publicKeyOf } from '../keys/jwk.js'
import { andThen } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'
import type { PolicyCheck, PolicyContext } from '../policy/policy.js'
import { verifySignature } from '../verify/jws-signature.js'
import { htuMatches } from './htu.js'
import { NONCE_ROTATION } from './nonce.js'
import type { DpopConfig } from './options.js'
import { accessTokenHash, jwkThumbprint } from './thumbprint.js'
import { longestProofWindow, longestTolerance } from './window.js'

/** Longest `jti` accepted; it is only ever hashed, but a proof has no reason for a longer one. */
const MAX_JTI_LENGTH = 256

// Proof keys imported once each, by RFC 7638 thumbprint: the required members the thumbprint
// covers are exactly what the import reads, so one thumbprint is one key. Bounded: a client
// may make a new key per proof.
const proofKeys = new LRUCache<string, KeyObject>({ max: 1000 })

/** What a proof's header says, once checked: its algorithm, its key's thumbprint, the key. */
type HeaderVerdict = { alg: string; jkt: string; key: KeyObject | undefined } | 'invalid'

/**
 * The stage-0 check of a gate that accepts DPoP; a request under `Bearer` passes it. Every
 * check of a proof's header is a function of its encoded segment alone (decoding accepts one
 * spelling of each byte string only), and a client sends the same header with each proof: the
 * verdicts are kept by segment, so a client's next proof costs no header decoding, key check,
 * thumbprint or key lookup. Bounded, and per config, since the verdict depends on its
 * `algorithms`.
 */
export function proofCheck(config: Omit<DpopConfig, 'check'>): PolicyCheck {
  const headers = new LRUCache<string, HeaderVerdict>({ max: 1000 })
  const verdictOf = (segment: string) => {
    let verdict = headers.get(segment)
    if (verdict === undefined) headers.set(segment, (verdict = headerVerdict(segment, config)))
    return verdict
  }
  return {
    stage: 0,
    run: (context) =>
      context.proof === undefined ? undefined : checkProof(config, context, verdictOf),
  }
}

function checkProof(
  config: Omit<DpopConfig, 'check'>,
  context: PolicyContext,
  verdictOf: (segment: string) => HeaderVerdict,
): MaybePromise<Refusal | undefined> {
  const proof = context.proof as string
  const bound = boundThumbprint(context.auth.payload)
  // A token without `cnf.jkt` was not issued for a DPoP key: the proof cannot make it one.
  if (bound === undefined) return refuse('dpop_key_mismatch')
  // A compact JWS (RFC 7515 §7.1): three segments, the header not empty.
  const first = proof.indexOf('.')
  const second = proof.indexOf('.', first + 1)
  if (first <= 0 || second === -1 || proof.indexOf('.', second + 1) !== -1) return invalid()
  const verdict = verdictOf(proof.slice(0, first))
  if (verdict === 'invalid') return invalid()
  if (verdict.jkt !== bound) return refuse('dpop_key_mismatch')
  const uri = context.requestUri()
  if (uri === 'malformed_header') return refuse('malformed_header')
  const payload = decodeJsonObject(proof.slice(first + 1, second))
  if (!payload || !isBase64url(proof.slice(second + 1))) return invalid()
  const { jti, htm, htu, iat, ath } = payload
  if (
    typeof jti !== 'string' ||
    jti === '' ||
    jti.length > MAX_JTI_LENGTH ||
    htm !== context.input.method ||
    uri === undefined ||
    !htuMatches(htu, uri) ||
    typeof iat !== 'number' ||
    !Number.isFinite(iat) ||
    context.now - iat > config.proofMaxAge + context.tolerance ||
    iat - context.now > context.tolerance ||
    ath !== accessTokenHash(context.token)
  )
    return invalid()
  if (!verdict.key || !verifySignature(proof, verdict.alg, verdict.key)) return invalid()
  let rotated: string | undefined
  if (config.nonces) {
    const age = config.nonces.age(payload.nonce, context.now, context.tolerance)
    if (age === undefined)
      return refuse('use_dpop_nonce', {
        dpop: { ...config.answers.used, nonce: config.nonces.issue(context.now) },
      })
    if (age > NONCE_ROTATION) rotated = config.nonces.issue(context.now)
  }
  // Past every gate's window the `iat` check refuses the proof anyway: the count need not
  // outlive the longest (dpop/window.ts).
  const expiresAt = iat + longestProofWindow() + longestTolerance() + 1
  const { jkt } = verdict
  return andThen(context.proofUse(identityDigest('dpop', jkt, jti), expiresAt), (count) => {
    if (count > 1) return refuse('dpop_replayed')
    context.proofAccepted(jkt, rotated)
    return undefined
  })
}

/**
 * Checks a proof's header (RFC 9449 §4.3 checks 4 to 7): `typ` exactly `dpop+jwt`, an allowed
 * `alg`, no `crit` or `b64`, and a public `jwk` fit for that `alg`, never private members.
 * `key` is undefined when the key does not import (an EC point off its curve, a short RSA
 * modulus): such a proof is refused at the signature, after the cheaper checks.
 */
function headerVerdict(segment: string, config: Omit<DpopConfig, 'check'>): HeaderVerdict {
  const header = decodeJsonObject(segment)
  if (!header) return 'invalid'
  const { alg } = header
  if (
    header.typ !== 'dpop+jwt' ||
    typeof alg !== 'string' ||
    !config.algorithms.has(alg) ||
    header.crit !== undefined ||
    header.b64 !== undefined
  )
    return 'invalid'
  const checked = checkPublicJwk(header.jwk, config.algorithms)
  if (typeof checked === 'string' || !checked.algorithms.includes(alg)) return 'invalid'
  const jkt = jwkThumbprint(checked.key)
  if (jkt === undefined) return 'invalid'
  return { alg, jkt, key: importedKey(jkt, checked.key) }
}

/** The token's `cnf.jkt`; `undefined` when it has none (any other type fails to match). */
export function boundThumbprint(claims: JwtClaims): unknown {
  const cnf = claims.cnf
  return typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined
}

function importedKey(jkt: string, jwk: Record<string, unknown>): KeyObject | undefined {
  let key = proofKeys.get(jkt)
  if (key === undefined) {
    const imported = publicKeyOf(jwk)
    if (typeof imported === 'string') return undefined
    proofKeys.set(jkt, (key = imported))
  }
  return key
}

function invalid(): Refusal {
  return refuse('invalid_dpop_proof')
}
