/** Digests that name a token or an identifier in a store without holding it. */
import { createHash } from 'node:crypto'

/**
 * The base64url SHA-256 of a list of strings (`null` for "any"), framed so that two different
 * lists never share a digest: JSON keeps the parts apart, and it spells a lone UTF-16 surrogate
 * as an escape, where UTF-8 would turn it into U+FFFD and make two identifiers one.
 *
 * @example identityDigest('jti', 'https://id.example.com/', 'a1b2')
 */
export function identityDigest(...parts: readonly (string | null)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url')
}
