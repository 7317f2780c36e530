import { describe, expect, it } from 'vitest'
import { storedRevocation } from '../../src/policy/revocation.js'
import type { Revocation } from '../../src/policy/revocation.js'

const config = { retention: 1000, tolerance: 5 }
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
  it('places a subject watermark at now by default', () => {
    expect(storedRevocation({ sub: 'u' }, config, now)).toEqual({
      kind: 'sub',
      sub: 'u',
      before: now,
      expiresAt: now + 1000,
    })
    expect(storedRevocation({ sub: 'u', before: 10 }, config, now)).toEqual({
      kind: 'sub',
      sub: 'u',
      before: 10,
      expiresAt: 1010,
    })
  })
  it('places a global watermark', () => {
    expect(storedRevocation({ before: new Date(20_000) }, config, now)).toEqual({
      kind: 'all',
      before: 20,
      expiresAt: 1020,
    })
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
  ])('refuses %j naming %s', (revocation, option) => {
    expect(() => storedRevocation(revocation as Revocation, config, now)).toThrow(`"${option}"`)
  })
})
