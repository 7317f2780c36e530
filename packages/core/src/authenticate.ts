/**
 * Authentication: the credentials extracted from a request and the token verified, before any
 * route's checks. One lookup in the token cache serves both steps.
 */
import { refuse } from './decision.js'
import type { AuthInfo, Decision, RequestInput } from './decision.js'
import { boundThumbprint } from './dpop/proof.js'
import { extractBearer, extractProof } from './extract/bearer.js'
import type { Scheme } from './extract/bearer.js'
import { andThen } from './maybe.js'
import type { MaybePromise } from './maybe.js'
import type { GuardConfig } from './options.js'
import { recall } from './verify/token-cache.js'
import type { CachedVerification } from './verify/token-cache.js'
import { verifyToken } from './verify/verify-token.js'

/**
 * A decision, with the token and its verified contents when its signature verified, the scheme
 * the credentials came under, and the `DPoP` proof that came with a DPoP one.
 */
export interface Authentication {
  decision: Decision
  verified?: AuthInfo
  token?: string
  scheme?: Scheme
  proof?: string
}

/** Extracts and verifies a request's token; synchronous when nothing has to be waited for. */
export type Authenticate = (input: RequestInput, now: number) => MaybePromise<Authentication>

/**
 * Builds the authentication of one guard. Credentials the token cache holds passed the grammar
 * when first seen, so extraction asks the cache (`seen`) and the entry it finds is handed to
 * verification. `recalled` carries that entry from one call to the other within the same
 * synchronous call of `authenticate`: no other request ever reads it.
 */
export function authenticator(config: GuardConfig): Authenticate {
  const cache = config.tokenCache
  let recalled: CachedVerification | undefined
  const seen =
    cache && ((credentials: string) => (recalled = recall(cache, credentials)) !== undefined)

  return (input, now) => {
    recalled = undefined
    const extraction = extractBearer(input, seen)
    const { scheme } = extraction
    if ('reason' in extraction) return { decision: refuse(extraction.reason), scheme }
    const { token } = extraction
    // Extraction looked the token up whenever the cache is on: null says it found nothing.
    const cached = cache && (recalled ?? null)
    recalled = undefined
    let proof: string | undefined
    if (scheme === 'dpop') {
      // The proof header is refused before anything is parsed, the token included.
      const found = extractProof(input.rawHeaders)
      if (found === 'invalid_dpop_proof') return { decision: refuse(found), scheme }
      proof = found
    }
    return andThen(verifyToken(token, config, now, cached), (verification) => {
      if (!verification.ok) return { decision: verification, scheme }
      const verified = verification.auth
      // The downgrade rule (RFC 9449 §7.2): a token bound to a DPoP key is worthless without
      // a proof of that key, whatever the route's `dpop` says.
      if (scheme === 'bearer' && boundThumbprint(verified.payload) !== undefined)
        return { decision: refuse('dpop_bound_token'), verified, scheme }
      return { decision: verification, verified, token, scheme, proof }
    })
  }
}
