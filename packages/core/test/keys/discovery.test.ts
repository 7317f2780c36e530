import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { createGuard } from '../../src/guard.js'
import { metadataUrls } from '../../src/keys/discovery.js'
import type { KeyEvent } from '../../src/keys/key-events.js'
import { decide, outcome } from '../helpers.js'

let issuer: LocalIssuer
let events: KeyEvent[]
beforeEach(() => {
  events = []
})
afterEach(() => issuer.close())

const guardFor = (extra = {}) =>
  createGuard({
    ...issuer.guardOptions,
    onKeyEvent: (event) => events.push(event),
    jwksCache: { retryInterval: 5 },
    ...extra,
  })

describe('discovery of jwks_uri from the issuer', () => {
  it('reads OpenID Connect metadata, then the JWKS', async () => {
    issuer = await createIssuer()
    const guard = guardFor()
    expect(await outcome(decide(guard, await issuer.mint()))).toBe('ok')
    expect(await outcome(decide(guard, await issuer.mint({}, { alg: 'RS256' })))).toBe('ok')
    expect(issuer.hits).toEqual({ openid: 1, oauth: 0, jwks: 1 })
  })

  it('falls back to RFC 8414 metadata', async () => {
    issuer = await createIssuer({ discovery: 'oauth' })
    expect(await outcome(decide(guardFor(), await issuer.mint()))).toBe('ok')
    expect(issuer.hits).toEqual({ openid: 0, oauth: 1, jwks: 1 })
    expect(events.filter((event) => event.type === 'fetch_failed')).toEqual([])
  })

  it('refuses metadata naming another issuer (mix-up defence)', async () => {
    issuer = await createIssuer()
    issuer.metadataOverrides = { issuer: 'https://evil.example' }
    const decision = await decide(guardFor(), await issuer.mint())
    expect(decision).toMatchObject({ ok: false, reason: 'keys_unavailable' })
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', failure: 'issuer_mismatch' }),
    )
    expect(issuer.hits.jwks).toBe(0)
  })

  it('refuses a plain-http jwks_uri off loopback', async () => {
    issuer = await createIssuer()
    issuer.metadataOverrides = { jwks_uri: 'http://keys.example.com/jwks.json' }
    expect(await outcome(decide(guardFor(), await issuer.mint()))).toBe('keys_unavailable')
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', failure: 'bad_jwks_uri' }),
    )
  })

  it('answers 503 while the metadata is unreachable, without refetching on every request', async () => {
    issuer = await createIssuer()
    issuer.fault('error', 'discovery')
    const guard = guardFor()
    const decision = await decide(guard, await issuer.mint())
    expect(decision).toMatchObject({ ok: false, reason: 'keys_unavailable' })
    expect((decision as { retryAfter: number }).retryAfter).toBeGreaterThan(4)
    await decide(guard, await issuer.mint())
    expect(issuer.hits.openid).toBe(1)
    expect(issuer.hits.oauth).toBe(1)
  })

  it('refuses an unknown iss before any fetch', async () => {
    issuer = await createIssuer()
    expect(
      await outcome(decide(guardFor(), await issuer.mint({ iss: 'https://elsewhere.example' }))),
    ).toBe('wrong_issuer')
    expect(issuer.hits).toEqual({ openid: 0, oauth: 0, jwks: 0 })
  })
})

describe('metadataUrls(issuer)', () => {
  it('appends for OIDC and inserts for RFC 8414 when the issuer has a path', () => {
    expect(metadataUrls('https://id.example.com/tenant/')).toEqual([
      'https://id.example.com/tenant/.well-known/openid-configuration',
      'https://id.example.com/.well-known/oauth-authorization-server/tenant',
    ])
  })
  it('handles an issuer without a path', () => {
    expect(metadataUrls('https://id.example.com')).toEqual([
      'https://id.example.com/.well-known/openid-configuration',
      'https://id.example.com/.well-known/oauth-authorization-server',
    ])
  })
})
