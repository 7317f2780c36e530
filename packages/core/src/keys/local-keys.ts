/** Local public keys: a JWK array or a JWKS object given in the options, checked at construction. */
import { invalidOption } from '../errors.js'
import { importPublicJwk, OUTSIDE_ALLOW_LIST } from './jwk.js'
import { keySet, staticSource } from './verify-key.js'
import type { KeySource } from './verify-key.js'

/**
 * Validates `keys` and returns their key source and the algorithms they can verify, which
 * narrows the issuer's allow-list. A sound key outside the `algorithms` allow-list is left
 * out (a whole JWKS may be pasted with a narrower list), as long as one key remains.
 *
 * @throws BearerGuardError naming `keys` or `keys[i]` for an empty set, no key fitting the
 *   allowed algorithms, or any key that is symmetric, private, not for signatures,
 *   unsupported, RSA under 2048 bits or invalid
 */
export function localKeys(
  keys: unknown,
  allowed: ReadonlySet<string>,
  option: string,
): { source: KeySource; algorithms: Set<string> } {
  const list = Array.isArray(keys) ? keys : (keys as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list) || list.length === 0) {
    return invalidOption(
      option,
      'must be a non-empty array of public JWKs, or a JWKS object { keys: [...] }',
    )
  }
  const imported = list.flatMap((jwk, i) => {
    const key = importPublicJwk(jwk, allowed)
    if (key === OUTSIDE_ALLOW_LIST) return []
    return typeof key === 'string' ? invalidOption(`${option}[${i}]`, key) : [key]
  })
  if (imported.length === 0) {
    invalidOption(
      option,
      `holds no key that fits the allowed algorithms (${[...allowed].join(', ')})`,
    )
  }
  return {
    source: staticSource(keySet(imported)),
    algorithms: new Set(imported.flatMap((key) => [...key.algorithms])),
  }
}
