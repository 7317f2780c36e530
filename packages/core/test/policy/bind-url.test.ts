import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { JwtClaims } from '../../src/decision.js'
import {
  bindUrlOption,
  checkBoundUrl,
  isAmbiguousPath,
  normalizePath,
  pathDigest,
} from '../../src/policy/bind-url.js'

const claims = (extra: Record<string, unknown>) => ({ iss: 'i', exp: 1, ...extra }) as JwtClaims

describe('normalizePath(target)', () => {
  it.each([
    ['/orders', '/orders'],
    ['/orders?id=1#top', '/orders'],
    ['/a/./b', '/a/./b'],
    ['/pay/../admin', '/pay/../admin'],
    ['/%7Euser/%61bc', '/~user/abc'],
    ['/pay/%2E%2E/admin', '/pay/../admin'],
    ['/pay/%2e%2E/admin', '/pay/../admin'],
    ['/a;b', '/a;b'],
    ['/a%3bb', '/a%3Bb'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%2Fb', '/a%2Fb'],
    ['/a%20b', '/a%20b'],
    ['//pay', '//pay'],
    ['/pay/', '/pay/'],
    ['/Pay', '/Pay'],
    ['/', '/'],
    ['/100%zz', '/100%zz'],
  ])('%s -> %s', (target, normalized) => {
    expect(normalizePath(target)).toBe(normalized)
  })
})

describe('checkBoundUrl(claims, url, claim)', () => {
  it('accepts the path the token names', () => {
    expect(checkBoundUrl(claims({ url: '/pay' }), '/pay?amount=5', 'url')).toBeUndefined()
  })
  it('accepts a full URL claim by its path', () => {
    expect(
      checkBoundUrl(claims({ url: 'https://api.example.com/pay' }), '/pay', 'url'),
    ).toBeUndefined()
  })
  it('accepts url_sha256, the base64url SHA-256 of the normalized path', () => {
    const digest = createHash('sha256').update('/pay').digest('base64url')
    expect(pathDigest('/pay')).toBe(digest)
    expect(checkBoundUrl(claims({ url_sha256: digest }), '/p%61y', 'url')).toBeUndefined()
    expect(checkBoundUrl(claims({ url_sha256: digest }), '/x/../pay', 'url')).toBe('url_mismatch')
    expect(checkBoundUrl(claims({ url_sha256: digest }), '/pay/', 'url')).toBe('url_mismatch')
  })
  it('reads a custom claim', () => {
    expect(checkBoundUrl(claims({ htu: '/pay' }), '/pay', 'htu')).toBeUndefined()
    expect(checkBoundUrl(claims({ url: '/pay' }), '/pay', 'htu')).toBe('missing_claim')
  })
  it('refuses a token without the claim as missing_claim', () => {
    expect(checkBoundUrl(claims({}), '/pay', 'url')).toBe('missing_claim')
  })
  it('refuses a claim that is not a string', () => {
    expect(checkBoundUrl(claims({ url: ['/pay'] }), '/pay', 'url')).toBe('url_mismatch')
  })

  // A token bound to /pay, sent to another resource dressed up to look like /pay.
  it.each([
    ['dot segments', '/pay/../admin'],
    ['encoded dot segments', '/pay/%2e%2e/admin'],
    ['an encoded slash', '/pay%2Fadmin'],
    ['a lower-case encoded slash', '/pay%2fadmin'],
    ['an encoded slash then dots', '/pay%2F..%2Fadmin'],
    ['a double slash', '//pay'],
    ['a doubled inner slash', '/pay//'],
    ['a trailing slash', '/pay/'],
    ['a case change', '/PAY'],
    ['a path that only starts with it', '/payment'],
    ['a path below it', '/pay/refund'],
  ])('refuses %s', (_, path) => {
    expect(checkBoundUrl(claims({ url: '/pay' }), path, 'url')).toBe('url_mismatch')
  })

  // Routers dispatch on the raw path: each of these runs transfer 2's handler in at least one
  // of Express, Koa or Fastify, while removing dot segments (or cutting at `;`) reads transfer 1.
  it.each([
    ['dot segments', '/transfers/2/approve/../../1/approve'],
    ['encoded dot segments', '/transfers/2/approve/%2e%2e/%2E%2E/1/approve'],
    ['half-encoded dot segments', '/transfers/2/approve/.%2e/%2E./1/approve'],
    ['a single dot segment', '/transfers/1/./approve'],
    ['a trailing dot segment', '/transfers/1/approve/.'],
    ['a semicolon', '/transfers/1/approve;/../../2/approve'],
    ['an encoded semicolon', '/transfers/1/approve%3B'],
  ])('refuses a path with %s, even when it resolves to the bound one', (_, path) => {
    const digest = pathDigest('/transfers/1/approve')
    expect(checkBoundUrl(claims({ url: '/transfers/1/approve' }), path, 'url')).toBe('url_mismatch')
    expect(checkBoundUrl(claims({ url_sha256: digest }), path, 'url')).toBe('url_mismatch')
  })

  it('never reads a claim inherited from Object.prototype', () => {
    expect(checkBoundUrl(claims({}), '/pay', 'constructor')).toBe('missing_claim')
  })
})

describe('isAmbiguousPath(path)', () => {
  it.each(['/a/./b', '/a/../b', '/.', '/..', '/a/.', '/a/..', '/a;b', '/a%3Bb', '/a%3bb'])(
    'finds %s ambiguous',
    (path) => {
      expect(isAmbiguousPath(path)).toBe(true)
    },
  )
  it.each(['/a/.b', '/a/b.', '/a/...', '/a/..b', '/.well-known/x', '/a%2E', '/a/b'])(
    'finds %s plain',
    (path) => {
      expect(isAmbiguousPath(normalizePath(path))).toBe(false)
    },
  )
})

describe('bindUrlOption(value, option)', () => {
  it('reads true, false and a claim name', () => {
    expect(bindUrlOption(true, 'bindUrl')).toBe('url')
    expect(bindUrlOption(false, 'bindUrl')).toBeUndefined()
    expect(bindUrlOption({}, 'bindUrl')).toBe('url')
    expect(bindUrlOption({ claim: 'htu' }, 'bindUrl')).toBe('htu')
  })
  it.each([['yes'], [1], [{ claim: '' }], [{ claims: 'x' }], [null]])(
    'refuses %j naming the option',
    (value) => {
      expect(() => bindUrlOption(value, 'policy.bindUrl')).toThrow(/"policy\.bindUrl/)
    },
  )
})
