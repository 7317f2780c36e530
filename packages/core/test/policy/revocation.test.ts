import { describe, expect, it } from 'vitest'
import { storedRevocation } from '../../src/policy/revocation.js'
import type { Revocation } from '../../src/policy/revocation.js'

const A = 'https://a.example/'
const config = { retention: 1000, tolerance: 5, issuers: new Set([A, 'https://b.example/']) }
const now = 1_000_000.5

describe('storedRevocation(revocation, config, now)', () => {
  it('keeps a jti until its exp plus the tolerance, or for the retention', () => {
    expect(storedRevocation({ jti: 'j', exp: now + 60 }, config, now)).toEqual({
      kind: 'jti',
      jti: 'j',
      expiresAt: now + 65,
    })
    expect(storedRevocation({ jti: 'j', exp: new Date((now + 60) * 1000) }, config, now)).toEqual({
      kind: 'jti',
      jti: 'j',
      expiresAt: now + 65,
    })
    expect(storedRevocation({ jti: 'j' }, config, now)).toEqual({
      kind: 'jti',
      jti: 'j',
      expiresAt: now + 1000,
    })
  })
  it('places a subject watermark at now by default, moved forward by the clock tolerance', () => {
    expect(storedRevocation({ sub: 'u' }, config, now)).toEqual({
      kind: 'sub',
      sub: 'u',
      before: now + 5,
      expiresAt: now + 1005,
    })
    expect(storedRevocation({ sub: 'u', before: 10 }, config, now)).toEqual({
      kind: 'sub',
      sub: 'u',
      before: 15,
      expiresAt: 1015,
    })
  })
  it('places a global watermark, moved forward by the clock tolerance', () => {
    expect(storedRevocation({ before: new Date(20_000) }, config, now)).toEqual({
      kind: 'all',
      before: 25,
      expiresAt: 1025,
    })
  })
  it('keeps the issuer a revocation names', () => {
    expect(storedRevocation({ jti: 'j', iss: A }, config, now)).toMatchObject({ iss: A })
    expect(storedRevocation({ sub: 'u', iss: A }, config, now)).toMatchObject({ iss: A })
    expect(storedRevocation({ before: 10, iss: A }, config, now)).toMatchObject({ iss: A })
    expect(storedRevocation({ jti: 'j' }, config, now)).not.toHaveProperty('iss')
  })
  it.each([
    [{}, 'revoke'],
    [{ jti: '' }, 'revoke.jti'],
    [{ jti: 'j', sub: 'u' }, 'revoke'],
    [{ sub: 'u', exp: 1 }, 'revoke.exp'],
    [{ sub: 3 }, 'revoke.sub'],
    [{ before: 'yesterday' }, 'revoke.before'],
    [{ before: new Date('nope') }, 'revoke.before'],
    [{ iat: 1 }, 'revoke.iat'],
    [{ jti: 'j', iss: 'https://c.example/' }, 'revoke.iss'],
    [{ sub: 'u', iss: 7 }, 'revoke.iss'],
    [{ before: 1, iss: '' }, 'revoke.iss'],
  ])('refuses %j naming %s', (revocation, option) => {
    expect(() => storedRevocation(revocation as Revocation, config, now)).toThrow(`"${option}"`)
  })
})
