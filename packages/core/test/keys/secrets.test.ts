import { calculateJwkThumbprint } from 'jose'
import { describe, expect, it } from 'vitest'
import { generateSecret } from '@bearer-guard/testing'
import { secretKid } from '../../src/keys/secrets.js'

describe('secretKid(bytes)', () => {
  it("is the secret's RFC 7638 thumbprint", async () => {
    const secret = generateSecret(48)
    const k = Buffer.from(secret).toString('base64url')
    expect(secretKid(secret)).toBe(await calculateJwkThumbprint({ kty: 'oct', k }))
  })
})
