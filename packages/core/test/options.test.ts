import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateSecret, generateSigningKey } from '@bearer-guard/testing'
import { BearerGuardError } from '../src/errors.js'
import { guardConfig } from '../src/options.js'
import type { GuardOptions } from '../src/options.js'

const issuer = 'https://id.example.com/'
const audience = 'https://api.example.com'
const ec = generateSigningKey('ES256').publicJwk
const rsa = generateSigningKey('RS256').publicJwk
const secret = generateSecret(32)
const base = { issuer, audience, keys: [ec] }
const weakRsa = {
  ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
  kid: 'weak',
}
const privateEc = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: 'private',
}

describe('guardConfig(options)', () => {
  const bad: [string, unknown, string, RegExp?][] = [
    ['no options at all', undefined, 'options'],
    [
      'an unknown option (a typo of audience)',
      { ...base, aud: audience },
      'aud',
      /did you mean "audience"/,
    ],
    [
      'an unknown option (jwks_uri)',
      { ...base, jwks_uri: 'https://id.example.com/jwks' },
      'jwks_uri',
      /did you mean "jwksUri"/,
    ],
    ['a misspelt policy field', { ...base, scopes: 'a' }, 'scopes', /did you mean "scope"/],
    ['a missing issuer', { audience, keys: [ec] }, 'issuer'],
    ['an empty issuer', { ...base, issuer: '' }, 'issuer'],
    ['an issuer list with a non-string', { ...base, issuer: [issuer, 3] }, 'issuer'],
    ['a missing audience', { issuer, keys: [ec] }, 'audience', /required/],
    ['an empty audience list', { ...base, audience: [] }, 'audience'],
    ['an audience of the wrong type', { ...base, audience: 42 }, 'audience'],
    ['two key sources', { ...base, secrets: [secret] }, 'secrets', /exactly one key source/],
    [
      'discovery from an issuer that is not a URL',
      { issuer: 'my-issuer', audience },
      'issuer',
      /set jwksUri, keys or secrets/,
    ],
    [
      'discovery from a plain-http issuer',
      { issuer: 'http://id.example.com', audience },
      'issuer',
      /https/,
    ],
    ['a jwksUri that is not a URL', { issuer, audience, jwksUri: 'jwks.json' }, 'jwksUri'],
    [
      'a plain-http jwksUri off loopback',
      { issuer, audience, jwksUri: 'http://id.example.com/jwks' },
      'jwksUri',
      /https/,
    ],
    [
      'a jwksUri with credentials',
      { issuer, audience, jwksUri: 'https://u:p@id.example.com/jwks' },
      'jwksUri',
    ],
    ['an empty key list', { ...base, keys: [] }, 'keys'],
    ['a JWKS without keys', { ...base, keys: {} }, 'keys'],
    ['a key that is not an object', { ...base, keys: ['x'] }, 'keys[0]'],
    [
      'an HMAC key among public keys',
      { ...base, keys: [ec, { kty: 'oct', k: 'AAAA' }] },
      'keys[1]',
      /symmetric/,
    ],
    ['a private key', { ...base, keys: [privateEc] }, 'keys[0]', /private/],
    ['an RSA key under 2048 bits', { ...base, keys: [weakRsa] }, 'keys[0]', /2048/],
    ['a key for encryption', { ...base, keys: [{ ...ec, use: 'enc' }] }, 'keys[0]', /use/],
    [
      'a key without verify in key_ops',
      { ...base, keys: [{ ...ec, key_ops: ['sign'] }] },
      'keys[0]',
      /key_ops/,
    ],
    [
      'a key of an unsupported curve',
      { ...base, keys: [{ ...ec, crv: 'secp256k1' }] },
      'keys[0]',
      /unsupported/,
    ],
    [
      'a key whose alg does not fit its type',
      { ...base, keys: [{ ...ec, alg: 'RS256' }] },
      'keys[0]',
      /does not fit/,
    ],
    [
      'a key with broken coordinates',
      { ...base, keys: [{ ...ec, x: 'AAAA' }] },
      'keys[0]',
      /not a valid public key/,
    ],
    [
      'keys none of which fits the allowed algorithms',
      { ...base, keys: [ec], algorithms: ['RS256'] },
      'keys',
      /no key that fits the allowed algorithms \(RS256\)/,
    ],
    ['an empty secret list', { issuer, audience, secrets: [] }, 'secrets'],
    ['an empty secret', { issuer, audience, secrets: [''] }, 'secrets[0]', /0 bytes/],
    ['an undefined secret', { issuer, audience, secrets: [undefined] }, 'secrets[0]'],
    [
      'a secret of 31 bytes',
      { issuer, audience, secrets: [secret, 'x'.repeat(31)] },
      'secrets[1]',
      /31 bytes/,
    ],
    [
      'a secret too short for the only allowed algorithm',
      { issuer, audience, secrets: [secret], algorithms: ['HS512'] },
      'secrets[0]',
      /too short/,
    ],
    ['an empty algorithm list', { ...base, algorithms: [] }, 'algorithms'],
    ['alg none', { ...base, algorithms: ['none'] }, 'algorithms', /never accepted/],
    ['an unknown algorithm', { ...base, algorithms: ['ES256K'] }, 'algorithms'],
    [
      'an HMAC algorithm with public keys',
      { ...base, algorithms: ['ES256', 'HS256'] },
      'algorithms',
      /never tried with a public key/,
    ],
    [
      'an asymmetric algorithm with secrets',
      { issuer, audience, secrets: [secret], algorithms: ['RS256'] },
      'algorithms',
    ],
    ['a typ of the wrong type', { ...base, typ: true }, 'typ'],
    ['an empty typ list', { ...base, typ: [] }, 'typ'],
    ['a bad clockTolerance', { ...base, clockTolerance: '5 parsecs' }, 'clockTolerance'],
    ['a negative maxTokenAge', { ...base, maxTokenAge: -1 }, 'maxTokenAge'],
    ['an unknown reasons mode', { ...base, reasons: 'silent' }, 'reasons'],
    ['a realm with a quote', { ...base, realm: 'a"b' }, 'realm'],
    ['a realm with a newline', { ...base, realm: 'a\nb' }, 'realm'],
    ['an empty realm', { ...base, realm: '' }, 'realm'],
    ['an onDecision that is not a function', { ...base, onDecision: 'log' }, 'onDecision'],
    ['an onKeyEvent that is not a function', { ...base, onKeyEvent: {} }, 'onKeyEvent'],
    [
      'an allowInsecureHttp that is not a boolean',
      { ...base, allowInsecureHttp: 'yes' },
      'allowInsecureHttp',
    ],
    [
      'an unknown jwksCache field',
      { ...base, jwksCache: { tll: 60 } },
      'jwksCache.tll',
      /did you mean "ttl"/,
    ],
    [
      'a bad jwksCache duration',
      { ...base, jwksCache: { cooldown: 'soon' } },
      'jwksCache.cooldown',
    ],
    ['a zero fetch timeout', { ...base, jwksCache: { timeout: 0 } }, 'jwksCache.timeout'],
    ['minTtl above maxTtl', { ...base, jwksCache: { minTtl: '2d' } }, 'jwksCache.minTtl'],
    ['a bad app-level scope', { ...base, scope: ['a b'] }, 'scope'],
    ['an app-level scope with a quote', { ...base, scope: 'read"' }, 'scope'],
    ['an anyScope that is a string', { ...base, anyScope: 'a' }, 'anyScope'],
    ['a bad maxAge', { ...base, maxAge: 'yesterday' }, 'maxAge'],
    ['claims that are not an object', { ...base, claims: 'tenant' }, 'claims'],
    [
      'an undefined expected claim value',
      { ...base, claims: { tenant: undefined } },
      'claims.tenant',
    ],
    [
      'a RegExp as a claim rule',
      { ...base, claims: { email: /@example\.com$/ } },
      'claims.email',
      /predicate/,
    ],
    [
      'an issuers list beside issuer',
      { ...base, issuers: [{ issuer, keys: [ec] }] },
      'issuer',
      /issuers/,
    ],
    ['an empty issuers list', { audience, issuers: [] }, 'issuers'],
    [
      'an issuers entry with an unknown field',
      { audience, issuers: [{ issuer, keys: [ec], scope: 'x' }] },
      'issuers[0].scope',
    ],
    [
      'an issuers entry without a key source that is not a URL',
      { audience, issuers: [{ issuer: 'x' }] },
      'issuers[0].issuer',
    ],
    [
      'a repeated issuer',
      {
        audience,
        issuers: [
          { issuer, keys: [ec] },
          { issuer, keys: [rsa] },
        ],
      },
      'issuers[1].issuer',
      /repeats/,
    ],
    [
      'an issuers entry without any audience',
      { issuers: [{ issuer, keys: [ec] }] },
      'audience',
      /required/,
    ],
  ]

  it.each(bad)('refuses %s, naming the option', (_, options, option, message) => {
    let error: unknown
    try {
      guardConfig(options as GuardOptions)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(BearerGuardError)
    expect((error as BearerGuardError).code).toBe('ERR_BG_INVALID_OPTION')
    expect((error as BearerGuardError).option).toBe(option)
    expect((error as Error).message).toContain(`"${option}"`)
    if (message) expect((error as Error).message).toMatch(message)
  })

  it('accepts local keys and narrows the algorithms to what they can verify', () => {
    const { alg: _alg, ...rsaWithoutAlg } = rsa
    const withoutAlg = guardConfig({ issuer, audience, keys: { keys: [ec, rsaWithoutAlg] } })
    expect([...withoutAlg.issuers.get(issuer)!.algorithms].sort()).toEqual([
      'ES256',
      'PS256',
      'PS384',
      'PS512',
      'RS256',
      'RS384',
      'RS512',
    ])
    // A JWK's own `alg` narrows further (RFC 7517 §4.4).
    const withAlg = guardConfig({ issuer, audience, keys: [ec, rsa] })
    expect([...withAlg.issuers.get(issuer)!.algorithms].sort()).toEqual(['ES256', 'RS256'])
  })

  it('narrows each secret to the HMAC algorithms its length allows', () => {
    expect([
      ...guardConfig({ issuer, audience, secrets: [secret] }).issuers.get(issuer)!.algorithms,
    ]).toEqual(['HS256'])
    const long = generateSecret(64)
    expect([
      ...guardConfig({ issuer, audience, secrets: [long] }).issuers.get(issuer)!.algorithms,
    ]).toEqual(['HS256', 'HS384', 'HS512'])
  })

  it('applies the defaults of the contract', () => {
    const config = guardConfig(base)
    expect(config.clockTolerance).toBe(5)
    expect(config.maxTokenAge).toBeUndefined()
    expect(config.reasons).toBe('expose')
    expect(config.realm).toBe('api')
    expect(config.issuers.get(issuer)!.audience).toEqual([audience])
  })

  it('accepts an http jwksUri on loopback, and elsewhere only with allowInsecureHttp', () => {
    expect(() =>
      guardConfig({ issuer, audience, jwksUri: 'http://127.0.0.1:4000/jwks' }),
    ).not.toThrow()
    expect(() =>
      guardConfig({ issuer, audience, jwksUri: 'http://localhost:4000/jwks' }),
    ).not.toThrow()
    expect(() =>
      guardConfig({
        issuer,
        audience,
        jwksUri: 'http://idp.internal/jwks',
        allowInsecureHttp: true,
      }),
    ).not.toThrow()
  })

  it('leaves out a local key that fits no allowed algorithm when another one does', () => {
    const config = guardConfig({ ...base, keys: [ec, rsa], algorithms: ['RS256'] })
    expect([...config.issuers.get(issuer)!.algorithms]).toEqual(['RS256'])
  })

  it('treats an option set to undefined as absent', () => {
    expect(() => guardConfig({ ...base, jwksUri: undefined, realm: undefined })).not.toThrow()
  })

  it('trusts every issuer of a list, sharing one key source', () => {
    const config = guardConfig({
      issuer: [issuer, 'https://other.example.com/'],
      audience,
      keys: [ec],
    })
    expect([...config.issuers.keys()]).toEqual([issuer, 'https://other.example.com/'])
    expect(config.issuers.get(issuer)!.keys).toBe(
      config.issuers.get('https://other.example.com/')!.keys,
    )
  })

  it('lets each issuers entry inherit audience, algorithms and typ, or override them', () => {
    const config = guardConfig({
      audience,
      typ: 'at+jwt',
      issuers: [
        { issuer, keys: [ec] },
        {
          issuer: 'https://b.example.com/',
          secrets: [secret],
          audience: 'https://b-api.example.com',
          typ: false,
        },
      ],
    } as GuardOptions)
    expect(config.issuers.get(issuer)!.audience).toEqual([audience])
    expect(config.issuers.get(issuer)!.typ).not.toBe(false)
    expect(config.issuers.get('https://b.example.com/')!.audience).toEqual([
      'https://b-api.example.com',
    ])
    expect(config.issuers.get('https://b.example.com/')!.typ).toBe(false)
    expect([...config.issuers.get('https://b.example.com/')!.algorithms]).toEqual(['HS256'])
  })
})

describe('configuration attacks: nothing may end up verifying nothing', () => {
  it.each([
    ['an undefined key', { issuer, audience, keys: [undefined] }, 'keys[0]'],
    ['an empty key object', { issuer, audience, keys: [{}] }, 'keys[0]'],
    ['a JWKS of nulls', { issuer, audience, keys: { keys: [null] } }, 'keys[0]'],
    [
      'an undefined secret list element',
      { issuer, audience, secrets: [undefined, 'x'.repeat(32)] },
      'secrets[0]',
    ],
    [
      'a secret of 32 empty characters of another kind',
      { issuer, audience, secrets: [new Uint8Array(0)] },
      'secrets[0]',
    ],
    ['a null algorithm list', { ...base, algorithms: null }, 'algorithms'],
    [
      'an algorithm list holding none in capitals',
      { ...base, algorithms: ['ES256', 'NONE'] },
      'algorithms',
    ],
    ['a null audience', { ...base, audience: null }, 'audience'],
    ['an empty string audience', { ...base, audience: '' }, 'audience'],
    ['a wildcard-looking audience list', { ...base, audience: [''] }, 'audience'],
    [
      'no key source and an issuer that cannot be discovered',
      { issuer: 'urn:example:issuer', audience },
      'issuer',
    ],
    ['typ: true, which would look like a check', { ...base, typ: true }, 'typ'],
    [
      'a claim rule that is a RegExp, which could backtrack catastrophically',
      { ...base, claims: { sub: /^(a+)+$/ } },
      'claims.sub',
    ],
  ])('refuses %s at construction', (_, options, option) => {
    expect(() => guardConfig(options as unknown as GuardOptions)).toThrow(`"${option}"`)
  })

  it('falls back to the safe default list when algorithms is left out, never to an empty one', () => {
    expect([...guardConfig(base).issuers.get(issuer)!.algorithms]).toEqual(['ES256'])
  })
})
