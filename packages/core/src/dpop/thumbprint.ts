/** The digests a DPoP proof is bound by: the key's JWK thumbprint and the token's hash. */
import { createHash } from 'node:crypto'

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const REQUIRED_MEMBERS: ReadonlyMap<unknown, readonly string[]> = new Map([
  ['EC', ['crv', 'kty', 'x', 'y']],
  ['RSA', ['e', 'kty', 'n']],
  ['OKP', ['crv', 'kty', 'x']],
])

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the JSON of its required
 * members only, in order, without whitespace. `undefined` for a key type without one, or a
 * required member that is not a string.
 *
 * @example jwkThumbprint({ kty: 'EC', crv: 'P-256', x: '…', y: '…' })
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = REQUIRED_MEMBERS.get(jwk.kty)
  if (!members) return undefined
  let json = '{'
  for (const member of members) {
    const value = jwk[member]
    if (typeof value !== 'string') return undefined
    json += `${json === '{' ? '' : ','}"${member}":${JSON.stringify(value)}`
  }
  return sha256(`${json}}`)
}

/** RFC 9449 §4.2 `ath`: the base64url SHA-256 of the ASCII access token. */
export function accessTokenHash(token: string): string {
  return sha256(token)
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}
