/** Scope checks. Grants come from `scope` (RFC 8693 §4.2 string), `scp` or `permissions`. */
import { invalidOption } from '../errors.js'
import type { JwtClaims } from '../decision.js'

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); safe inside a quoted header value.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Validates a scope option: a space-separated string or an array of scope tokens.
 *
 * @throws BearerGuardError naming `option` when it is empty or holds a character RFC 6749 §3.3
 *   does not allow (a space inside an array item, a quote, a backslash, a control character)
 */
export function scopeList(value: unknown, option: string): string[] {
  const list = typeof value === 'string' ? value.split(' ').filter(Boolean) : value
  if (!Array.isArray(list) || list.length === 0) {
    return invalidOption(option, 'must be a scope string or a non-empty array of scopes')
  }
  for (const scope of list) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      invalidOption(
        option,
        `holds ${JSON.stringify(scope)}, which is not a scope token (RFC 6749 §3.3)`,
      )
    }
  }
  return list as string[]
}

/** Every scope a token grants, from `scope`, `scp` and `permissions` (strings or arrays). */
export function grantedScopes(claims: JwtClaims): Set<string> {
  const granted = new Set<string>()
  for (const value of [claims.scope, claims.scp, claims.permissions]) {
    const items = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : []
    for (const item of items) if (typeof item === 'string' && item !== '') granted.add(item)
  }
  return granted
}

/** `insufficient_scope` unless the token grants every one of `required`. */
export function checkScope(claims: JwtClaims, required: readonly string[]) {
  const granted = grantedScopes(claims)
  return required.every((scope) => granted.has(scope)) ? undefined : 'insufficient_scope'
}

/** `insufficient_scope` unless the token grants at least one of `anyOf`. */
export function checkAnyScope(claims: JwtClaims, anyOf: readonly string[]) {
  const granted = grantedScopes(claims)
  return anyOf.some((scope) => granted.has(scope)) ? undefined : 'insufficient_scope'
}
