/** Maps what jose throws to a reason, by error `code` and never by message. */
import type { Reason } from '../reasons.js'

const BY_CODE: Record<string, Reason> = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JWS_INVALID: 'malformed_token',
  ERR_JOSE_ALG_NOT_ALLOWED: 'alg_not_allowed',
  ERR_JOSE_NOT_SUPPORTED: 'alg_not_allowed',
}

/**
 * The reason for an error jose threw while checking a signature. Anything unexpected (a key
 * that does not fit the algorithm, say) means the signature was not shown valid: `bad_signature`.
 */
export function joseReason(error: unknown): Reason {
  const code = (error as { code?: unknown } | null)?.code
  return (typeof code === 'string' && BY_CODE[code]) || 'bad_signature'
}
