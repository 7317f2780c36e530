/**
 * The one table of refusal reasons (listed in packages/core/README.md): each reason's status, its RFC 6750
 * error code and its fixed description. Nothing else in bearer-guard chooses a status.
 */

interface ReasonRow {
  /** HTTP status of the refusal. */
  readonly status: 400 | 401 | 403 | 503
  /** Error code for the body; also put in `WWW-Authenticate` when `challenge` is `'error'`. */
  readonly error: string
  /**
   * `'error'`: a Bearer challenge with `error=`; `'bare'`: a Bearer challenge without an error
   * code (RFC 6750 §3.1: the request carried no credentials for us); `'none'`: no challenge.
   */
  readonly challenge: 'error' | 'bare' | 'none'
  /** Fixed text for `error_description`: never a library message or part of the token. */
  readonly description: string
}

const invalidRequest = (description: string): ReasonRow => ({
  status: 400,
  error: 'invalid_request',
  challenge: 'error',
  description,
})
const invalidToken = (description: string): ReasonRow => ({
  status: 401,
  error: 'invalid_token',
  challenge: 'error',
  description,
})
const unavailable = (description: string): ReasonRow => ({
  status: 503,
  error: 'temporarily_unavailable',
  challenge: 'none',
  description,
})

/** Every reason a request can be refused for, exactly the contract's list. */
export const REASONS = {
  missing_token: {
    status: 401,
    error: 'unauthorized',
    challenge: 'bare',
    description: 'A bearer token is required',
  },
  malformed_header: invalidRequest('The Authorization header is not a valid Bearer credential'),
  token_in_query: invalidRequest(
    'Send the access token in the Authorization header, not in the query string',
  ),
  token_in_body: invalidRequest(
    'Send the access token in the Authorization header, not in the request body',
  ),
  multiple_tokens: invalidRequest('The request carries more than one credential'),
  token_too_large: invalidRequest('The access token is too large'),

  malformed_token: invalidToken('The access token is malformed'),
  alg_not_allowed: invalidToken('The access token is signed with an algorithm that is not allowed'),
  bad_signature: invalidToken('The access token signature is invalid'),
  unknown_key: invalidToken('The access token is signed with an unknown key'),
  wrong_type: invalidToken('The access token has the wrong type'),
  expired: invalidToken('The access token expired'),
  not_yet_valid: invalidToken('The access token is not valid yet'),
  issued_in_future: invalidToken('The access token is issued in the future'),
  too_old: invalidToken('The access token is too old'),
  wrong_issuer: invalidToken('The access token is from an issuer that is not trusted'),
  wrong_audience: invalidToken('The access token is not meant for this resource'),
  missing_claim: invalidToken('The access token lacks a required claim'),
  claim_mismatch: invalidToken('A claim of the access token has a value that is not accepted'),
  uses_exhausted: invalidToken('The access token has been used the maximum number of times'),
  revoked: invalidToken('The access token has been revoked'),

  invalid_dpop_proof: {
    status: 401,
    error: 'invalid_dpop_proof',
    challenge: 'error',
    description: 'The DPoP proof is missing or invalid',
  },
  dpop_replayed: {
    status: 401,
    error: 'invalid_dpop_proof',
    challenge: 'error',
    description: 'The DPoP proof has been used before',
  },
  use_dpop_nonce: {
    status: 401,
    error: 'use_dpop_nonce',
    challenge: 'error',
    description: 'Sign the DPoP proof with the nonce in the DPoP-Nonce header',
  },
  dpop_key_mismatch: invalidToken('The access token is not bound to the DPoP proof key'),
  dpop_bound_token: invalidToken('The access token is DPoP-bound; send it with the DPoP scheme'),
  dpop_required: invalidToken('This resource requires a DPoP-bound access token'),

  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    challenge: 'error',
    description: 'The access token lacks the scope this request requires',
  },
  url_mismatch: {
    status: 403,
    error: 'insufficient_scope',
    challenge: 'error',
    description: 'The access token is not bound to this URL',
  },
  step_up_required: {
    status: 401,
    error: 'insufficient_user_authentication',
    challenge: 'error',
    description: 'A stronger or more recent user authentication is required',
  },

  keys_unavailable: unavailable('The keys to verify the access token are unavailable; retry later'),
  store_unavailable: unavailable('The token store is unavailable; retry later'),
} as const satisfies Record<string, ReasonRow>

/** One of the contract's reasons, in its snake_case spelling. */
export type Reason = keyof typeof REASONS

/**
 * With `reasons: 'hide'` every refusal sharing an error code reads the same, so a caller cannot
 * tell which check failed (expired, bad signature, unknown key, ...).
 */
export const HIDDEN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  invalid_token: 'The access token is invalid',
  insufficient_scope: 'The access token does not grant access to this resource',
  insufficient_user_authentication: 'A stronger or more recent user authentication is required',
  invalid_dpop_proof: 'The DPoP proof is invalid',
}

/** Whether `value` is one of the contract's reasons. */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && Object.hasOwn(REASONS, value)
}
