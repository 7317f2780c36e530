import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import { checkAnyScope, checkScope, grantedScopes, scopeList } from '../../src/policy/scope.js'

const claims = (extra: Record<string, unknown>) => ({ iss: 'i', exp: 1, ...extra }) as JwtClaims

describe('grantedScopes(claims)', () => {
  it('reads a space-separated scope string', () => {
    expect([...grantedScopes(claims({ scope: 'a b  c' }))]).toEqual(['a', 'b', 'c'])
  })
  it('reads scp and permissions, as arrays or strings, together', () => {
    expect(
      [...grantedScopes(claims({ scp: ['a', 'b'], permissions: 'c', scope: 'd' }))].sort(),
    ).toEqual(['a', 'b', 'c', 'd'])
  })
  it('ignores values that are not strings', () => {
    expect([...grantedScopes(claims({ scp: ['a', 1, null, { b: 1 }], scope: 42 }))]).toEqual(['a'])
  })
})

describe('checkScope(claims, required)', () => {
  it('grants a token holding every required scope', () => {
    expect(
      checkScope(claims({ scope: 'orders:read orders:write' }), ['orders:read', 'orders:write']),
    ).toBeUndefined()
  })
  it('refuses a token missing one of two scopes', () => {
    expect(checkScope(claims({ scope: 'orders:read' }), ['orders:read', 'orders:write'])).toBe(
      'insufficient_scope',
    )
  })
  it('does not match a scope by prefix', () => {
    expect(checkScope(claims({ scope: 'orders:read:all' }), ['orders:read'])).toBe(
      'insufficient_scope',
    )
  })
  it('is case-sensitive (RFC 6749 §3.3)', () => {
    expect(checkScope(claims({ scope: 'Orders:Read' }), ['orders:read'])).toBe('insufficient_scope')
  })
})

describe('checkAnyScope(claims, anyOf)', () => {
  it('grants a token holding one of them', () => {
    expect(checkAnyScope(claims({ scp: ['admin'] }), ['orders:read', 'admin'])).toBeUndefined()
  })
  it('refuses a token holding none of them', () => {
    expect(checkAnyScope(claims({ scope: 'profile' }), ['orders:read', 'admin'])).toBe(
      'insufficient_scope',
    )
  })
})

describe('scopeList(value, option)', () => {
  it('splits a space-separated string', () =>
    expect(scopeList('a  b', 'scope')).toEqual(['a', 'b']))
  it.each([[''], [[]], [['a b']], [['a"']], [['a\\b']], [[1]], [null]])('refuses %j', (value) => {
    expect(() => scopeList(value, 'policy.scope')).toThrow(/"policy\.scope"/)
  })
})
