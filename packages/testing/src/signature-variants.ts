/**
 * Other spellings of a token's signature that verify exactly as the original does: what an
 * attacker who saw one token can make without any key. A guard that identifies a token by its
 * signature bytes (a use counter, a replay cache) is fooled by them.
 */

// The group orders of the NIST curves (SEC 2 §2.4.2, §2.5.1, §2.6.1).
const ORDERS: Readonly<Record<string, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
}

/**
 * The other valid encodings of `token`'s signature: for ECDSA, `(r, n - s)` (which jose and
 * WebCrypto accept as they accept `(r, s)`); for RSA-PSS, the signature with its leading zero
 * bytes removed, when it has any (about one signature in 256; Node verifies it, while it
 * refuses the same for RSASSA-PKCS1-v1_5). Empty for other algorithms.
 *
 * @example const [twin] = signatureVariants(await issuer.mint({}, { alg: 'ES384' }))
 */
export function signatureVariants(token: string): string[] {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg: string }
  const bytes = Buffer.from(signature, 'base64url')
  const respelled = (variant: Buffer) => `${header}.${payload}.${variant.toString('base64url')}`
  const order = Object.hasOwn(ORDERS, alg) ? ORDERS[alg] : undefined
  if (order !== undefined) {
    const half = bytes.length / 2
    const s = BigInt(`0x${bytes.subarray(half).toString('hex')}`)
    const mirrored = Buffer.from((order - s).toString(16).padStart(half * 2, '0'), 'hex')
    return [respelled(Buffer.concat([bytes.subarray(0, half), mirrored]))]
  }
  if (/^PS\d+$/.test(alg)) {
    let zeros = 0
    while (bytes[zeros] === 0) zeros++
    return zeros > 0 ? [respelled(bytes.subarray(zeros))] : []
  }
  return []
}
