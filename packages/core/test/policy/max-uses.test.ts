import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import { checkMaxUses, maxUsesOption, useKey } from '../../src/policy/max-uses.js'

const claims = (extra: Record<string, unknown>) =>
  ({ iss: 'https://a.example', exp: 1, ...extra }) as JwtClaims

describe('useKey(claims, token)', () => {
  it('counts by issuer and jti, whatever the token bytes', () => {
    expect(useKey(claims({ jti: 'j1' }), 'token-a')).toBe(useKey(claims({ jti: 'j1' }), 'token-b'))
  })
  it('keeps two issuers apart for the same jti', () => {
    expect(useKey(claims({ jti: 'j1' }), 't')).not.toBe(
      useKey(claims({ jti: 'j1', iss: 'https://b.example' }), 't'),
    )
  })
  it('counts by the signing input when there is no jti, and never equals a jti key', () => {
    expect(useKey(claims({}), 'h.payload-a.sig')).not.toBe(useKey(claims({}), 'h.payload-b.sig'))
    expect(useKey(claims({}), 'h.p.s')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(useKey(claims({ jti: 'h.p' }), 'h.p.s')).not.toBe(useKey(claims({}), 'h.p.s'))
  })
  it('never counts by the signature: two encodings of one signature share a count', () => {
    expect(useKey(claims({}), 'h.p.signature-one')).toBe(useKey(claims({}), 'h.p.signature-two'))
  })
  it('keeps two issuers apart for the same signing input', () => {
    expect(useKey(claims({}), 'h.p.s')).not.toBe(
      useKey(claims({ iss: 'https://b.example' }), 'h.p.s'),
    )
  })
  it('never holds the token or the jti in clear', () => {
    expect(useKey(claims({ jti: 'secret-jti' }), 'secret-token')).not.toMatch(/secret/)
  })
})

describe('checkMaxUses(count, maxUses)', () => {
  it('accepts up to the limit and refuses past it', () => {
    expect(checkMaxUses(3, 3)).toBeUndefined()
    expect(checkMaxUses(4, 3)).toBe('uses_exhausted')
  })
  it.each([[0], [-1], [1.5], ['3'], [Infinity]])('refuses maxUses %j naming it', (value) => {
    expect(() => maxUsesOption(value, 'policy.maxUses')).toThrow(/"policy\.maxUses"/)
  })
})
