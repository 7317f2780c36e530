import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, encode, generateSigningKey } from '@bearer-guard/testing'
import type { LocalIssuer, MintClaims, MintOptions } from '@bearer-guard/testing'
import { createGuard } from '../../src/guard.js'
import type { Guard } from '../../src/guard.js'
import type { GuardOptions } from '../../src/options.js'
import { decide, outcome } from '../helpers.js'

let issuer: LocalIssuer
let local: Guard
let remote: Guard
let hmac: Guard

beforeAll(async () => {
  issuer = await createIssuer()
  local = createGuard({ issuer: issuer.url, audience: issuer.audience, keys: issuer.jwks() })
  remote = createGuard({ issuer: issuer.url, audience: issuer.audience, jwksUri: issuer.jwksUri })
  hmac = createGuard({
    issuer: issuer.url,
    audience: issuer.audience,
    secrets: [...issuer.secrets],
  })
})
afterAll(() => issuer.close())

const forged = (header: object, payload: object, signature = 'c2ln') =>
  `${encode(header)}.${encode(payload)}.${signature}`
const claims = (extra: object = {}) => ({
  iss: issuer.url,
  aud: issuer.audience,
  sub: 'u',
  exp: Math.floor(Date.now() / 1000) + 300,
  ...extra,
})

/** A claim value that `mint` sends as is: a string here is not read as a relative time. */
const json = (value: unknown) => ({ toJSON: () => value })
/** A token whose `exp` is the JSON number 1e400, which decodes to Infinity (refused unsigned). */
const bigExp = () =>
  `${encode({ alg: 'ES256' })}.${encode(JSON.stringify(claims({ exp: 0 })).replace('"exp":0', '"exp":1e400'))}.c2ln`

interface Case {
  name: string
  claims?: MintClaims
  mint?: MintOptions
  /** A hand-made token instead of a minted one. */
  token?: () => string | Promise<string>
  options?: Partial<Omit<GuardOptions, 'keys'>> & { keys?: () => GuardOptions['keys'] }
  expect: string
}

const cases: Case[] = [
  // accepted
  { name: 'accepts a valid ES256 token', expect: 'ok' },
  { name: 'accepts a valid RS256 token', mint: { alg: 'RS256' }, expect: 'ok' },
  { name: 'accepts a valid PS256 token', mint: { alg: 'PS256' }, expect: 'ok' },
  { name: 'accepts a valid EdDSA token', mint: { alg: 'EdDSA' }, expect: 'ok' },
  {
    name: 'accepts a token without kid by trying the keys that fit its alg',
    mint: { kid: null },
    expect: 'ok',
  },
  {
    name: 'accepts an aud array holding the audience',
    claims: { aud: ['https://other.example', 'https://api.example.test'] },
    expect: 'ok',
  },
  { name: 'accepts typ JWT', mint: { typ: 'JWT' }, expect: 'ok' },
  { name: 'accepts typ application/at+jwt', mint: { typ: 'application/at+jwt' }, expect: 'ok' },
  { name: 'accepts a token without typ by default', mint: { typ: null }, expect: 'ok' },
  {
    name: 'forgives 3 seconds of expiry within the 5-second tolerance',
    claims: { exp: '-3s' },
    expect: 'ok',
  },
  { name: 'forgives an nbf 3 seconds ahead', claims: { nbf: '+3s' }, expect: 'ok' },
  {
    name: 'ignores a jku header: it never picks the key',
    mint: { header: { jku: 'https://attacker.example/jwks' } },
    expect: 'ok',
  },
  // malformed_token
  {
    name: 'refuses garbage as malformed_token',
    token: () => 'not-a-jwt',
    expect: 'malformed_token',
  },
  {
    name: 'refuses a JWE-shaped token as malformed_token',
    token: () => 'a.b.c.d.e',
    expect: 'malformed_token',
  },
  {
    name: 'refuses a header without alg',
    token: () => forged({ typ: 'JWT' }, claims()),
    expect: 'malformed_token',
  },
  {
    name: 'refuses a numeric alg',
    token: () => forged({ alg: 256 }, claims()),
    expect: 'malformed_token',
  },
  {
    name: 'refuses a numeric kid',
    mint: { kid: 7 as unknown as string },
    expect: 'malformed_token',
  },
  {
    name: 'refuses an unknown crit extension (RFC 7515 §4.1.11)',
    mint: { header: { crit: ['exp'], exp: 1 } },
    expect: 'malformed_token',
  },
  {
    name: 'refuses b64: false',
    mint: { header: { b64: false, crit: ['b64'] } },
    expect: 'malformed_token',
  },
  // alg_not_allowed
  { name: 'refuses alg none', mint: { alg: 'none' }, expect: 'alg_not_allowed' },
  {
    name: 'refuses alg NONE in capitals',
    token: () => forged({ alg: 'NONE' }, claims(), ''),
    expect: 'alg_not_allowed',
  },
  {
    name: 'refuses alg none even with a signature',
    token: () => forged({ alg: 'none' }, claims()),
    expect: 'alg_not_allowed',
  },
  {
    name: 'refuses HS256 against public keys (alg confusion)',
    mint: { alg: 'HS256' },
    expect: 'alg_not_allowed',
  },
  {
    name: 'refuses an algorithm outside the allow-list',
    mint: { alg: 'RS256' },
    options: {
      algorithms: ['ES256'],
      keys: () => issuer.jwks().keys.filter((key) => key.alg === 'ES256'),
    },
    expect: 'alg_not_allowed',
  },
  // bad_signature / unknown_key
  {
    name: 'refuses a corrupted signature',
    mint: { signature: 'corrupt' },
    expect: 'bad_signature',
  },
  { name: 'refuses an empty signature', mint: { signature: 'empty' }, expect: 'bad_signature' },
  {
    name: 'refuses a changed payload',
    token: async () => {
      const [header, , signature] = (await issuer.mint()).split('.')
      return `${header}.${encode(claims({ sub: 'admin' }))}.${signature}`
    },
    expect: 'bad_signature',
  },
  { name: 'refuses an unknown kid', mint: { kid: 'no-such-key' }, expect: 'unknown_key' },
  // wrong_type
  {
    name: 'refuses a typ of another kind of token',
    mint: { typ: 'dpop+jwt' },
    expect: 'wrong_type',
  },
  {
    name: 'refuses typ JWT when at+jwt is required',
    mint: { typ: 'JWT' },
    options: { typ: 'at+jwt' },
    expect: 'wrong_type',
  },
  {
    name: 'refuses a missing typ when at+jwt is required',
    mint: { typ: null },
    options: { typ: 'at+jwt' },
    expect: 'wrong_type',
  },
  {
    name: 'accepts any typ with typ: false',
    mint: { typ: 'whatever' },
    options: { typ: false },
    expect: 'ok',
  },
  // times
  { name: 'refuses an expired token', claims: { exp: '-1m' }, expect: 'expired' },
  {
    name: 'refuses a token expired just past the tolerance',
    claims: { exp: '-10s' },
    expect: 'expired',
  },
  {
    name: 'honours a larger clockTolerance',
    claims: { exp: '-30s' },
    options: { clockTolerance: '1m' },
    expect: 'ok',
  },
  { name: 'refuses a token not valid yet', claims: { nbf: '+1m' }, expect: 'not_yet_valid' },
  {
    name: 'refuses a token issued in the future',
    claims: { iat: '+1m' },
    expect: 'issued_in_future',
  },
  {
    name: 'refuses a token older than maxTokenAge',
    claims: { iat: '-2m' },
    options: { maxTokenAge: '1m' },
    expect: 'too_old',
  },
  {
    name: 'accepts a token younger than maxTokenAge',
    claims: { iat: '-30s' },
    options: { maxTokenAge: '1m' },
    expect: 'ok',
  },
  {
    name: 'refuses a token without iat when maxTokenAge is set',
    claims: { iat: undefined },
    options: { maxTokenAge: 60 },
    expect: 'missing_claim',
  },
  // iss / aud / required claims
  {
    name: 'refuses another issuer',
    claims: { iss: 'https://evil.example' },
    expect: 'wrong_issuer',
  },
  {
    name: 'refuses an issuer differing only by a trailing slash',
    token: () => issuer.mint({ iss: `${issuer.url}/` }),
    expect: 'wrong_issuer',
  },
  {
    name: 'refuses another audience',
    claims: { aud: 'https://other.example' },
    expect: 'wrong_audience',
  },
  { name: 'refuses a token without exp', claims: { exp: undefined }, expect: 'missing_claim' },
  { name: 'refuses a token without iss', claims: { iss: undefined }, expect: 'missing_claim' },
  { name: 'refuses a token without aud', claims: { aud: undefined }, expect: 'missing_claim' },
  // present but of the wrong type: the claim's own check, never missing_claim
  { name: 'refuses an iss that is an array', claims: { iss: ['x'] }, expect: 'wrong_issuer' },
  {
    name: 'refuses an iss that is an array holding the issuer',
    token: () => issuer.mint({ iss: [issuer.url] }),
    expect: 'wrong_issuer',
  },
  { name: 'refuses an iss that is a number', claims: { iss: 42 }, expect: 'wrong_issuer' },
  { name: 'refuses an iss that is null', claims: { iss: null }, expect: 'wrong_issuer' },
  { name: 'refuses an aud that is a number', claims: { aud: 5 }, expect: 'wrong_audience' },
  { name: 'refuses an aud that is null', claims: { aud: null }, expect: 'wrong_audience' },
  {
    name: 'refuses an aud array holding a non-string',
    claims: { aud: ['https://api.example.test', 5] },
    expect: 'wrong_audience',
  },
  { name: "refuses an exp of '123' (a string)", claims: { exp: json('123') }, expect: 'expired' },
  { name: 'refuses an exp that is an array', claims: { exp: [9999999999] }, expect: 'expired' },
  { name: 'refuses an exp that is null', claims: { exp: null }, expect: 'expired' },
  { name: 'refuses an exp of 1e400 (Infinity)', token: () => bigExp(), expect: 'expired' },
  {
    name: 'refuses an nbf that is a string',
    claims: { nbf: json('soon') },
    expect: 'not_yet_valid',
  },
  { name: 'refuses an nbf that is true', claims: { nbf: true }, expect: 'not_yet_valid' },
  {
    name: 'refuses an iat that is a string',
    claims: { iat: json('2020-01-01') },
    expect: 'issued_in_future',
  },
  { name: 'refuses an iat that is null', claims: { iat: null }, expect: 'issued_in_future' },
  { name: 'refuses a sub that is a number', claims: { sub: 42 }, expect: 'claim_mismatch' },
  { name: 'refuses a jti that is an object', claims: { jti: { id: 1 } }, expect: 'claim_mismatch' },
  { name: 'refuses a jti that is null', claims: { jti: null }, expect: 'claim_mismatch' },
  {
    name: 'refuses an unsigned iss array as wrong_issuer before any signature check',
    token: () => forged({ alg: 'ES256' }, claims({ iss: ['x'] })),
    expect: 'wrong_issuer',
  },
]

describe('verifyToken through a guard with local keys', () => {
  it.each(cases)('$name', async (c) => {
    const token = c.token ? await c.token() : await issuer.mint(c.claims, c.mint)
    const { keys, ...options } = c.options ?? {}
    const guard = c.options
      ? createGuard({
          issuer: issuer.url,
          audience: issuer.audience,
          keys: keys ? keys() : issuer.jwks(),
          ...options,
        })
      : local
    expect(await outcome(decide(guard, token))).toBe(c.expect)
  })

  it('refuses a token whose kid names a key of another type as alg_not_allowed', async () => {
    const ecKid = issuer.keys.find((key) => key.alg === 'ES256')!.kid
    const token = await issuer.mint({}, { alg: 'RS256', kid: ecKid })
    expect(await outcome(decide(local, token))).toBe('alg_not_allowed')
  })

  it('refuses a token signed by another key under a published kid', async () => {
    const published = issuer.keys.find((key) => key.alg === 'ES256')!
    const impostor = { ...generateSigningKey('ES256'), kid: published.kid }
    expect(await outcome(decide(local, await issuer.mint({}, { key: impostor })))).toBe(
      'bad_signature',
    )
  })

  it('never uses an embedded jwk header to verify', async () => {
    const attacker = generateSigningKey('ES256')
    const token = await issuer.mint(
      {},
      { key: attacker, kid: null, header: { jwk: attacker.publicJwk } },
    )
    expect(await outcome(decide(local, token))).toBe('bad_signature')
  })

  it('refuses an HS256 token signed with the public key bytes (alg confusion)', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    const token = await issuer.mint(
      {},
      { alg: 'HS256', secret: new TextEncoder().encode(String(pem)) },
    )
    expect(await outcome(decide(local, token))).toBe('alg_not_allowed')
  })

  it('returns the verified header and payload', async () => {
    const decision = await decide(
      local,
      await issuer.mint({ sub: 'alice', scope: 'a b' }, { alg: 'EdDSA' }),
    )
    expect(decision.ok && decision.auth).toMatchObject({
      header: { alg: 'EdDSA', typ: 'at+jwt' },
      payload: { sub: 'alice', scope: 'a b', iss: issuer.url },
    })
  })
})

describe('verifyToken with a remote JWKS', () => {
  it('verifies every algorithm the issuer publishes', async () => {
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA'] as const) {
      expect(await outcome(decide(remote, await issuer.mint({}, { alg })))).toBe('ok')
    }
  })
  it('refuses an unknown kid', async () => {
    expect(await outcome(decide(remote, await issuer.mint({}, { kid: 'nope' })))).toBe(
      'unknown_key',
    )
  })
})

describe('verifyToken with HMAC secrets', () => {
  it('accepts a token signed with the current secret, found by its kid', async () => {
    expect(await outcome(decide(hmac, await issuer.mint({}, { alg: 'HS256' })))).toBe('ok')
  })
  it('accepts a token signed with an older secret', async () => {
    expect(
      await outcome(
        decide(hmac, await issuer.mint({}, { alg: 'HS256', secret: issuer.secrets[1] })),
      ),
    ).toBe('ok')
  })
  it('accepts a token without kid by trying each secret', async () => {
    expect(
      await outcome(
        decide(hmac, await issuer.mint({}, { alg: 'HS256', secret: issuer.secrets[1], kid: null })),
      ),
    ).toBe('ok')
  })
  it('refuses a token signed with a secret not listed', async () => {
    const token = await issuer.mint(
      {},
      { alg: 'HS256', secret: new Uint8Array(32).fill(7), kid: null },
    )
    expect(await outcome(decide(hmac, token))).toBe('bad_signature')
  })
  it('refuses a kid that names no secret', async () => {
    expect(await outcome(decide(hmac, await issuer.mint({}, { alg: 'HS256', kid: 'other' })))).toBe(
      'unknown_key',
    )
  })
  it('refuses HS512 with a 32-byte secret (RFC 7518 §3.2)', async () => {
    expect(await outcome(decide(hmac, await issuer.mint({}, { alg: 'HS512' })))).toBe(
      'alg_not_allowed',
    )
  })
  it('refuses an asymmetric token', async () => {
    expect(await outcome(decide(hmac, await issuer.mint()))).toBe('alg_not_allowed')
  })
})
