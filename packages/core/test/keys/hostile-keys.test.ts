// Key sets an attacker or a careless provider shaped: member values that name Object.prototype
// properties, and sets so large that a token without kid would cost a signature check per key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, generateSecret, generateSigningKey } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { BearerGuardError } from '../../src/errors.js'
import { createGuard } from '../../src/guard.js'
import type { KeyEvent } from '../../src/keys/key-events.js'
import { MAX_CANDIDATES } from '../../src/keys/verify-key.js'
import { decide, outcome, withJwksServer } from '../helpers.js'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
})
afterAll(() => issuer.close())

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']
const hostile = (member: string, value: string) => ({
  ...generateSigningKey('ES256').publicJwk,
  kid: `hostile-${member}-${value}`,
  [member]: value,
})
const cases = PROTOTYPE_NAMES.flatMap((value) =>
  ['kty', 'crv', 'alg', 'use'].map((member) => [member, value] as const),
)

describe('a JWK whose member names an Object.prototype property', () => {
  it.each(cases)(
    'is ignored in a remote set (%s: %s), the other keys still verify',
    async (member, value) => {
      const events: KeyEvent[] = []
      await withJwksServer(
        () => [hostile(member, value), ...issuer.jwks().keys],
        async (server) => {
          const guard = createGuard({
            issuer: issuer.url,
            audience: issuer.audience,
            jwksUri: `${server.origin}/jwks.json`,
            onKeyEvent: (event) => events.push(event),
          })
          expect(await outcome(decide(guard, await issuer.mint()))).toBe('ok')
          const ignored = events.filter((event) => event.type === 'key_ignored')
          expect(ignored.map((event) => event.type === 'key_ignored' && event.kid)).toEqual([
            `hostile-${member}-${value}`,
          ])
        },
      )
    },
  )

  it.each(cases)(
    'is a construction error naming keys[i] in local keys (%s: %s)',
    (member, value) => {
      const build = () =>
        createGuard({
          issuer: issuer.url,
          audience: issuer.audience,
          keys: [...issuer.jwks().keys, hostile(member, value)],
        })
      expect(build).toThrow(BearerGuardError)
      expect(build).toThrow(/option "keys\[1\]"/)
    },
  )
})

describe('a JWK whose key_ops is not an array (RFC 7517 §4.3)', () => {
  it.each([
    ['a string', 'sign'],
    ['an object', { verify: true }],
    ['a number', 1],
  ])('is refused in local keys (%s), never taken as usable for anything', (_, keyOps) => {
    const build = () =>
      createGuard({
        issuer: issuer.url,
        audience: issuer.audience,
        keys: [
          ...issuer.jwks().keys,
          { ...generateSigningKey('ES256').publicJwk, key_ops: keyOps },
        ],
      })
    expect(build).toThrow(/option "keys\[1\]".*key_ops/)
  })
})

describe(`a token without kid, tried against at most ${MAX_CANDIDATES} keys`, () => {
  const keys = Array.from({ length: 16 }, () => generateSigningKey('ES256', undefined))
  const jwk = (key: (typeof keys)[number]) => {
    const { kid: _kid, ...rest } = key.publicJwk
    return rest
  }

  it('verifies against three keys, current and previous', async () => {
    const guard = createGuard({
      issuer: issuer.url,
      audience: issuer.audience,
      keys: keys.slice(0, 3).map(jwk),
    })
    const token = await issuer.mint({}, { key: keys[2]!, kid: null })
    expect(await outcome(decide(guard, token))).toBe('ok')
  })

  it('refuses unknown_key before any signature check when more keys fit its alg', async () => {
    const guard = createGuard({
      issuer: issuer.url,
      audience: issuer.audience,
      keys: keys.map(jwk),
      tokenCache: false,
    })
    // A token that one of the keys truly signed: it would verify if all 16 were tried.
    const valid = await issuer.mint({}, { key: keys[15]!, kid: null })
    expect(await outcome(decide(guard, valid))).toBe('unknown_key')
    // The refusal is decided without crypto, hence without waiting for any.
    expect(
      guard.route()({ method: 'GET', url: '/', rawHeaders: ['authorization', `Bearer ${valid}`] }),
    ).toMatchObject({
      ok: false,
      reason: 'unknown_key',
    })
  })

  it('still verifies a token naming its kid in a large set', async () => {
    const named = keys.map((key) => key.publicJwk)
    const guard = createGuard({ issuer: issuer.url, audience: issuer.audience, keys: named })
    expect(await outcome(decide(guard, await issuer.mint({}, { key: keys[9]! })))).toBe('ok')
  })

  it('bounds HMAC secrets the same way', async () => {
    const secrets = Array.from({ length: 4 }, () => generateSecret(32))
    const guard = createGuard({ issuer: issuer.url, audience: issuer.audience, secrets })
    const kidless = await issuer.mint({}, { alg: 'HS256', secret: secrets[0]!, kid: null })
    expect(await outcome(decide(guard, kidless))).toBe('unknown_key')
    const withKid = await issuer.mint({}, { alg: 'HS256', secret: secrets[3]! })
    expect(await outcome(decide(guard, withKid))).toBe('ok')
    const three = createGuard({
      issuer: issuer.url,
      audience: issuer.audience,
      secrets: secrets.slice(0, 3),
    })
    expect(await outcome(decide(three, kidless))).toBe('ok')
  })

  it('causes no JWKS refetch for a kid-less token that fits too many keys', async () => {
    await withJwksServer(
      () => keys.map(jwk),
      async (server) => {
        const guard = createGuard({
          issuer: issuer.url,
          audience: issuer.audience,
          jwksUri: `${server.origin}/jwks.json`,
          jwksCache: { cooldown: 0 },
        })
        const token = await issuer.mint({}, { key: keys[0]!, kid: null })
        for (let i = 0; i < 5; i++) expect(await outcome(decide(guard, token))).toBe('unknown_key')
        expect(server.hits.jwks).toBe(1)
      },
    )
  })
})
