import { describe, expect, it } from 'vitest'
import { htuMatches, normalizedHttpUri, requestUri } from '../../src/dpop/htu.js'
import { NONCE_LIFETIME, Nonces } from '../../src/dpop/nonce.js'
import { dpopOption } from '../../src/dpop/options.js'
import { accessTokenHash, jwkThumbprint } from '../../src/dpop/thumbprint.js'

describe('RFC 9449 vectors', () => {
  it('computes the ath of the access token in the example of §7.1', () => {
    expect(accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe(
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    )
  })

  it('computes the jkt of the example proof key (§6.1), whatever the member order', () => {
    const jwk = {
      kty: 'EC',
      x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
      y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
      crv: 'P-256',
    }
    expect(jwkThumbprint(jwk)).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I')
    // Members outside the required ones never change a thumbprint.
    expect(jwkThumbprint({ ...jwk, kid: 'k', use: 'sig' })).toBe(
      '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
    )
    expect(jwkThumbprint({ ...jwk, x: 1 })).toBeUndefined()
    expect(jwkThumbprint({ kty: 'oct', k: 'AAAA' })).toBeUndefined()
  })
})

describe('htu normalisation (RFC 3986 §6.2.2, §6.2.3)', () => {
  const same = [
    ['https://API.Example.COM/orders', 'https://api.example.com/orders'],
    ['HTTPS://api.example.com:443/orders', 'https://api.example.com/orders'],
    ['http://api.example.com:80/orders', 'http://api.example.com/orders'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com/caf%c3%a9', 'https://api.example.com/caf%C3%A9'],
    ['https://api.example.com/a%2fb', 'https://api.example.com/a%2Fb'],
    ['https://api.example.com:/orders', 'https://api.example.com/orders'],
    ['https://api.example.com:0443/orders', 'https://api.example.com/orders'],
    ['http://[::1]:8080/orders', 'http://[::1]:8080/orders'],
    [
      'https://api.example.com/a.b/.well-known/x..y',
      'https://api.example.com/a.b/.well-known/x..y',
    ],
    ['https://api.example.com/orders?x=1#f', 'https://api.example.com/orders'],
  ]
  it.each(same)('reads %s as %s', (value, normal) => {
    expect(normalizedHttpUri(value)).toBe(normal)
  })

  it('keeps what tells two URIs apart: port, scheme, path case, encoded characters', () => {
    const base = normalizedHttpUri('https://api.example.com/orders')
    for (const other of [
      // Express and @koa/router match the raw path: /%6Frders is not their /orders route
      // (an attack review reached /users/:id with a proof for /users/me this way).
      'https://api.example.com/%6Frders',
      'https://api.example.com/%6frders',
      'https://api.example.com:8443/orders',
      'http://api.example.com/orders',
      'https://api.example.com/Orders',
      'https://api.example.com/orders/',
      'https://api.example.com/orders%2F',
    ])
      expect(normalizedHttpUri(other)).not.toBe(base)
  })

  it('refuses what is not an http(s) URI without credentials', () => {
    for (const value of [
      '/orders',
      'ftp://api.example.com/',
      'https://u:p@api.example.com/',
      'https://api.example.test@evil.example/orders',
      'https://evil.example\\@api.example.test/orders',
      'https://api.example.com\\orders',
      'https://api.example.com:99999/orders',
      'https://api.example.com:8x/orders',
      '',
    ])
      expect(normalizedHttpUri(value), value).toBeUndefined()
  })

  // A router reads `/admin/x/../public` and `/admin/..\public` as paths under /admin: a proof for
  // /public must not be let in there by resolving them (an attack review found it did).
  it('refuses dot segments and backslashes rather than resolve them', () => {
    for (const path of [
      '/a/./b',
      '/a/../orders',
      '/a/%2e%2E/orders',
      '/a/.%2E/orders',
      '/a/%2E/orders',
      '/admin/..\\public',
      '/admin/x\\..\\..\\public',
      '/admin/1;/../../public',
      '/..',
    ]) {
      expect(normalizedHttpUri(`https://api.example.com${path}`), path).toBeUndefined()
      expect(requestUri({ origin: 'https://api.example.com' }, path, [], {}), path).toBeUndefined()
    }
  })

  it("builds the request's URI from the resource origin, else from its scheme and Host", () => {
    const origin = { origin: 'https://api.example.com' }
    expect(requestUri(origin, '/orders?q=1', ['Host', 'evil.example'], {})).toBe(
      'https://api.example.com/orders',
    )
    const own = { fromRequest: true as const }
    const plain = requestUri(own, '/orders', ['Host', 'API.example.com:80'], {})!
    expect(plain).toBe('http://API.example.com:80/orders')
    expect(htuMatches('http://api.example.com/orders', plain)).toBe(true)
    const tls = { socket: { encrypted: true } }
    const secure = requestUri(own, '/orders', ['host', 'API.example.com:443'], tls)!
    expect(htuMatches('https://api.example.com/orders', secure)).toBe(true)
    expect(htuMatches('http://api.example.com/orders', secure)).toBe(false)
    expect(htuMatches(secure, secure)).toBe(true)
    expect(htuMatches(42, secure)).toBe(false)
    expect(htuMatches('not a uri', secure)).toBe(false)
    expect(requestUri(own, '/orders', ['Host', '[::1]:8080'], {})).toBe('http://[::1]:8080/orders')
  })

  it('refuses a missing, repeated or malformed Host, and a target that is no path', () => {
    const own = { fromRequest: true as const }
    for (const hosts of [
      [],
      ['Host', 'a.example', 'Host', 'b.example'],
      ['Host', ''],
      ['Host', 'evil.example/x'],
      ['Host', 'user@api.example.com'],
      ['Host', 'api.example.com:80:80'],
      ['Host', 'api.example.com#'],
      ['Host', 'api.example.com\\x'],
      ['Host', 'a b'],
    ])
      expect(requestUri(own, '/orders', hosts, {}), JSON.stringify(hosts)).toBe('malformed_header')
    expect(
      requestUri(own, '//evil.example/orders', ['Host', 'api.example.com'], {}),
    ).toBeUndefined()
    expect(requestUri(own, '*', ['Host', 'api.example.com'], {})).toBeUndefined()
  })
})

describe('nonces', () => {
  const now = 1_800_000_000
  it('accepts its own nonces within their lifetime, in every holder of the secret', () => {
    const secret = new Uint8Array(32).fill(7)
    const nonce = new Nonces(secret).issue(now)
    expect(new Nonces(secret).age(nonce, now + 10, 5)).toBe(10)
    expect(new Nonces(secret).age(nonce, now + NONCE_LIFETIME + 1, 5)).toBeUndefined()
    expect(new Nonces(new Uint8Array(32).fill(8)).age(nonce, now, 5)).toBeUndefined()
  })

  it('makes every nonce different, and refuses a changed or foreign one', () => {
    const nonces = new Nonces(undefined)
    const one = nonces.issue(now)
    expect(nonces.issue(now)).not.toBe(one)
    const flipped = `${one.slice(0, 10)}${one[10] === 'A' ? 'B' : 'A'}${one.slice(11)}`
    // The last character carries two spare bits: another spelling of the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(one[42]!)
    const respelled = `${one.slice(0, 42)}${alphabet[last | 1]}`
    expect(respelled).not.toBe(one)
    for (const bad of [flipped, respelled, `${one}A`, one.slice(1), 42, undefined, ''])
      expect(nonces.age(bad, now, 5)).toBeUndefined()
    expect(nonces.age(one, now - 60, 5)).toBeUndefined()
  })
})

describe('the dpop option', () => {
  it.each([
    [true, 'dpop'],
    ['on', 'dpop'],
    [{ mode: 'always' }, 'dpop.mode'],
    [{ algorithms: ['HS256'] }, 'dpop.algorithms'],
    [{ algorithms: ['none'] }, 'dpop.algorithms'],
    [{ algorithms: [] }, 'dpop.algorithms'],
    [{ proofMaxAge: 0 }, 'dpop.proofMaxAge'],
    [{ proofMaxAge: 'soon' }, 'dpop.proofMaxAge'],
    [{ nonce: 'yes' }, 'dpop.nonce'],
    [{ nonceSecret: 'short' }, 'dpop.nonceSecret'],
    [{ nonceSecret: 42 }, 'dpop.nonceSecret'],
    [{ nonces: true }, 'dpop.nonces'],
  ])('refuses %j naming %s', (value, option) => {
    expect(() => dpopOption(value, 'dpop')).toThrow(
      expect.objectContaining({ option: expect.stringContaining(option) }),
    )
  })

  it('takes EdDSA and Ed25519 for each other', () => {
    const config = dpopOption({ algorithms: ['EdDSA'] }, 'dpop')
    expect(config && [...config.algorithms]).toEqual(['EdDSA', 'Ed25519'])
  })
})
