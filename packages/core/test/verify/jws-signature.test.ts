// The node:crypto signature check against jose's compactVerify, token for token: every
// algorithm, valid signatures and the ways a signature or a key can be wrong.
import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { CompactSign, compactVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifySignature } from '../../src/verify/jws-signature.js'

type Pair = { sign: KeyObject; verify: KeyObject }

const ec = (namedCurve: string): Pair => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve })
  return { sign: privateKey, verify: publicKey }
}
const rsa = (modulusLength = 2048): Pair => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength })
  return { sign: privateKey, verify: publicKey }
}
const ed25519 = (): Pair => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { sign: privateKey, verify: publicKey }
}
const secret = (bytes: number): Pair => {
  const key = createSecretKey(randomBytes(bytes))
  return { sign: key, verify: key }
}

const KEYS: Record<string, Pair> = {
  HS256: secret(32),
  HS384: secret(48),
  HS512: secret(64),
  RS256: rsa(),
  RS384: rsa(),
  RS512: rsa(3072),
  PS256: rsa(),
  PS384: rsa(),
  PS512: rsa(),
  ES256: ec('P-256'),
  ES384: ec('P-384'),
  ES512: ec('P-521'),
  EdDSA: ed25519(),
}
// Curve orders (SEC 2): a signature value at or above n is never valid.
const ORDER: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
}

const payload = new TextEncoder().encode(JSON.stringify({ iss: 'https://id.example', sub: 'a' }))

async function sign(alg: string, key: KeyObject): Promise<string> {
  return new CompactSign(payload).setProtectedHeader({ alg }).sign(key)
}

/** jose's verdict on the same token, key and algorithm. */
async function jose(token: string, alg: string, key: KeyObject): Promise<boolean> {
  try {
    await compactVerify(token, key, { algorithms: [alg] })
    return true
  } catch {
    return false
  }
}

async function sameVerdict(token: string, alg: string, key: KeyObject): Promise<boolean> {
  const ours = verifySignature(token, alg, key)
  expect(ours, `${alg}: ${describeToken(token)}`).toBe(await jose(token, alg, key))
  return ours
}

const describeToken = (token: string) => `signature of ${token.split('.')[2]?.length} characters`
const withSignature = (token: string, bytes: Uint8Array) =>
  `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from(bytes).toString('base64url')}`
const signatureOf = (token: string) => Buffer.from(token.split('.')[2]!, 'base64url')
const toBytes = (value: bigint, length: number) =>
  Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')

describe('verifySignature, against jose', () => {
  for (const [alg, key] of Object.entries(KEYS)) {
    describe(alg, () => {
      it('accepts a valid signature and refuses it on another signing input', async () => {
        const token = await sign(alg, key.sign)
        expect(await sameVerdict(token, alg, key.verify)).toBe(true)
        const [header, , signature] = token.split('.')
        const other = `${header}.${Buffer.from('{"sub":"b"}').toString('base64url')}.${signature}`
        expect(await sameVerdict(other, alg, key.verify)).toBe(false)
      })

      it('refuses a flipped bit, a truncated and an extended signature', async () => {
        const token = await sign(alg, key.sign)
        const bytes = signatureOf(token)
        const flipped = Buffer.from(bytes)
        flipped[flipped.length >> 1]! ^= 1
        for (const changed of [
          flipped,
          bytes.subarray(0, bytes.length - 1),
          Buffer.concat([bytes, Buffer.from([0])]),
          Buffer.concat([Buffer.from([0]), bytes]),
          Buffer.alloc(0),
        ])
          expect(await sameVerdict(withSignature(token, changed), alg, key.verify)).toBe(false)
      })
    })
  }

  for (const alg of ['ES256', 'ES384', 'ES512']) {
    const length = { ES256: 32, ES384: 48, ES512: 66 }[alg]!
    const n = ORDER[alg]!
    it(`${alg}: refuses r or s of zero or at least n, and a DER-encoded signature`, async () => {
      const key = KEYS[alg]!
      const token = await sign(alg, key.sign)
      const bytes = signatureOf(token)
      const r = bytes.subarray(0, length)
      const s = bytes.subarray(length)
      const zero = Buffer.alloc(length)
      const big = (value: Buffer) => BigInt(`0x${value.toString('hex')}`)
      for (const changed of [
        Buffer.concat([zero, s]),
        Buffer.concat([r, zero]),
        Buffer.concat([toBytes(n, length), s]),
        Buffer.concat([r, toBytes(n, length)]),
        Buffer.concat([r, toBytes(big(s) + n, length)]),
        derOf(r, s),
      ])
        expect(await sameVerdict(withSignature(token, changed), alg, key.verify)).toBe(false)
    })

    it(`${alg}: gives jose's verdict on the high-S twin of a valid signature`, async () => {
      const key = KEYS[alg]!
      const token = await sign(alg, key.sign)
      const bytes = signatureOf(token)
      const s = BigInt(`0x${bytes.subarray(length).toString('hex')}`)
      const twin = Buffer.concat([bytes.subarray(0, length), toBytes(n - s, length)])
      await sameVerdict(withSignature(token, twin), alg, key.verify)
    })
  }

  it('never uses a public key as an HMAC secret, nor a key of another curve', async () => {
    const rsaKey = KEYS.RS256!.verify
    // The classic confusion: an HS256 tag made with the public key's own bytes as the secret.
    const pem = rsaKey.export({ type: 'spki', format: 'pem' })
    const confused = await sign('HS256', createSecretKey(Buffer.from(pem)))
    expect(verifySignature(confused, 'HS256', rsaKey)).toBe(false)
    const es256 = await sign('ES256', KEYS.ES256!.sign)
    expect(verifySignature(es256, 'ES256', KEYS.ES384!.verify)).toBe(false)
    expect(verifySignature(es256, 'EdDSA', KEYS.EdDSA!.verify)).toBe(false)
  })

  it('refuses an RSA key under 2048 bits, which jose refuses too', async () => {
    const small = rsa(1024)
    const token = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'RS256' })
      .sign(small.sign)
      .catch(() => undefined)
    // jose will not even sign with it; node:crypto can, and the check must still refuse.
    const { sign: nodeSign } = await import('node:crypto')
    const input = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`
    const forged = `${input}.${nodeSign('sha256', Buffer.from(input), small.sign).toString('base64url')}`
    expect(token).toBeUndefined()
    expect(verifySignature(forged, 'RS256', small.verify)).toBe(false)
    expect(await jose(forged, 'RS256', small.verify)).toBe(false)
  })

  it('refuses PSS with a salt shorter than the hash, as jose does', async () => {
    const { sign: nodeSign, constants } = await import('node:crypto')
    const key = KEYS.PS256!
    const input = `${Buffer.from('{"alg":"PS256"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`
    const signature = nodeSign('sha256', Buffer.from(input), {
      key: key.sign,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 20,
    })
    const token = `${input}.${signature.toString('base64url')}`
    expect(await sameVerdict(token, 'PS256', key.verify)).toBe(false)
  })

  it('refuses an HMAC tag truncated to a prefix that would compare equal', async () => {
    const key = KEYS.HS256!
    const token = await sign('HS256', key.sign)
    const tag = signatureOf(token)
    expect(await sameVerdict(withSignature(token, tag.subarray(0, 16)), 'HS256', key.verify)).toBe(
      false,
    )
  })

  it('refuses an algorithm it does not know', async () => {
    const token = await sign('HS256', KEYS.HS256!.sign)
    for (const alg of ['none', 'hs256', 'HS257', 'ES256K', ''])
      expect(verifySignature(token, alg, KEYS.HS256!.verify)).toBe(false)
  })
})

// The examples of RFC 7515 Appendix A.1 to A.3 and RFC 8037 Appendix A.4, as published.
const PAYLOAD_A =
  'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
const EXAMPLES = [
  {
    name: 'RFC 7515 A.1 (HS256)',
    alg: 'HS256',
    token: `eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.${PAYLOAD_A}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`,
    key: createSecretKey(
      Buffer.from(
        'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
        'base64url',
      ),
    ),
  },
  {
    name: 'RFC 7515 A.2 (RS256)',
    alg: 'RS256',
    token: `eyJhbGciOiJSUzI1NiJ9.${PAYLOAD_A}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw`,
    key: createPublicKey({
      key: {
        kty: 'RSA',
        e: 'AQAB',
        n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
      },
      format: 'jwk',
    }),
  },
  {
    name: 'RFC 7515 A.3 (ES256)',
    alg: 'ES256',
    token: `eyJhbGciOiJFUzI1NiJ9.${PAYLOAD_A}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q`,
    key: createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      },
      format: 'jwk',
    }),
  },
  {
    name: 'RFC 8037 A.4 (EdDSA, Ed25519)',
    alg: 'EdDSA',
    token:
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    key: createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      format: 'jwk',
    }),
  },
]

describe("the RFCs' examples", () => {
  for (const { name, alg, token, key } of EXAMPLES)
    it(`${name} verifies, and not with one bit of its signature changed`, async () => {
      expect(await sameVerdict(token, alg, key)).toBe(true)
      const changed = signatureOf(token)
      changed[0]! ^= 1
      expect(await sameVerdict(withSignature(token, changed), alg, key)).toBe(false)
    })
})

/** The DER encoding of an ECDSA signature (what `dsaEncoding: 'der'` expects), for R and S. */
function derOf(r: Buffer, s: Buffer): Buffer {
  const integer = (value: Buffer) => {
    let bytes = value
    while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes = bytes.subarray(1)
    if (bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes])
  }
  const body = Buffer.concat([integer(r), integer(s)])
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length])
  return Buffer.concat([Buffer.from([0x30]), length, body])
}
