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
import { decodeJws } from '../jwt/decode-jws.js'
import { checkPublicJwk, publicKeyOf } from '../keys/jwk.js'
import { andThen } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'
import type { PolicyCheck, PolicyContext } from '../policy/policy.js'
import { verifySignature } from '../verify/jws-signature.js'
import { normalizedHttpUri } from './htu.js'
import { NONCE_ROTATION } from './nonce.js'
import type { DpopConfig } from './options.js'
import { accessTokenHash, jwkThumbprint } from './thumbprint.js'

/** Longest `jti` accepted; it is only ever hashed, but a proof has no reason for a longer one. */
const MAX_JTI_LENGTH = 256

// Proof keys imported once each, by RFC 7638 thumbprint: the required members the thumbprint
// covers are exactly what the import reads, so one thumbprint is one key. Bounded: a client
// may make a new key per proof. Every other member is still checked on every proof.
const proofKeys = new LRUCache<string, KeyObject>({ max: 1000 })

/** The stage-0 check of a gate that accepts DPoP; a request under `Bearer` passes it. */
export function proofCheck(config: Omit<DpopConfig, 'check'>): PolicyCheck {
  return {
    stage: 0,
    run: (context) => (context.proof === undefined ? undefined : checkProof(config, context)),
  }
}

function checkProof(
  config: Omit<DpopConfig, 'check'>,
  context: PolicyContext,
): MaybePromise<Refusal | undefined> {
  const proof = context.proof as string
  const bound = boundThumbprint(context.auth.payload)
  // A token without `cnf.jkt` was not issued for a DPoP key: the proof cannot make it one.
  if (bound === undefined) return refuse('dpop_key_mismatch')
  const jws = decodeJws(proof)
  if (!jws) return invalid()
  const { header, payload } = jws
  const { alg } = header
  if (
    header.typ !== 'dpop+jwt' ||
    typeof alg !== 'string' ||
    !config.algorithms.has(alg) ||
    header.crit !== undefined ||
    header.b64 !== undefined
  )
    return invalid()
  const checked = checkPublicJwk(header.jwk, config.algorithms)
  if (typeof checked === 'string' || !checked.algorithms.includes(alg)) return invalid()
  const jkt = jwkThumbprint(checked.key)
  if (jkt === undefined) return invalid()
  if (jkt !== bound) return refuse('dpop_key_mismatch')
  const uri = context.requestUri()
  if (uri === 'malformed_header') return refuse('malformed_header')
  const { jti, htm, htu, iat, ath } = payload
  if (
    typeof jti !== 'string' ||
    jti === '' ||
    jti.length > MAX_JTI_LENGTH ||
    htm !== context.input.method ||
    typeof htu !== 'string' ||
    uri === undefined ||
    normalizedHttpUri(htu) !== uri ||
    typeof iat !== 'number' ||
    !Number.isFinite(iat) ||
    context.now - iat > config.proofMaxAge + context.tolerance ||
    iat - context.now > context.tolerance ||
    ath !== accessTokenHash(context.token)
  )
    return invalid()
  const key = importedKey(jkt, checked.key)
  if (!key || !verifySignature(proof, alg, key)) return invalid()
  let rotated: string | undefined
  if (config.nonces) {
    const age = config.nonces.age(payload.nonce, context.now, context.tolerance)
    if (age === undefined)
      return refuse('use_dpop_nonce', {
        dpop: { ...config.answers.used, nonce: config.nonces.issue(context.now) },
      })
    if (age > NONCE_ROTATION) rotated = config.nonces.issue(context.now)
  }
  // Past the window the `iat` check refuses the proof anyway: its count need not outlive it.
  const expiresAt = iat + config.proofMaxAge + context.tolerance + 1
  return andThen(context.proofUse(identityDigest('dpop', jkt, jti), expiresAt), (count) => {
    if (count > 1) return refuse('dpop_replayed')
    context.proofAccepted(jkt, rotated)
    return undefined
  })
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
