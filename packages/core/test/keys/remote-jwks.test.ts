import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIssuer, generateSigningKey } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { ASYMMETRIC_ALGORITHMS } from '../../src/keys/algorithms.js'
import type { KeyEvent } from '../../src/keys/key-events.js'
import { JWKS_CACHE_DEFAULTS, RemoteJwks } from '../../src/keys/remote-jwks.js'
import type { JwksCacheConfig } from '../../src/keys/remote-jwks.js'
import { withJwksServer } from '../helpers.js'

const allowed = new Set<string>(ASYMMETRIC_ALGORITHMS)
let issuer: LocalIssuer
let events: KeyEvent[]

beforeEach(async () => {
  issuer = await createIssuer({ algorithms: ['ES256', 'RS256'] })
  events = []
})
afterEach(() => issuer.close())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const jwks = (cache: Partial<JwksCacheConfig> = {}, uri = issuer.jwksUri) =>
  new RemoteJwks(uri, issuer.url, allowed, { ...JWKS_CACHE_DEFAULTS, ...cache }, (event) =>
    events.push(event),
  )
const es256 = () => issuer.keys.find((key) => key.alg === 'ES256')!.kid
const found = (lookup: Awaited<ReturnType<RemoteJwks['lookup']>>) =>
  'keys' in lookup ? lookup.keys.map((key) => key.kid) : lookup.reason

describe('RemoteJwks.lookup(alg, kid)', () => {
  it('fetches once and serves later lookups from memory', async () => {
    const source = jwks()
    for (let i = 0; i < 10; i++)
      expect(found(await source.lookup('ES256', es256()))).toEqual([es256()])
    expect(issuer.hits.jwks).toBe(1)
    expect(events).toEqual([
      { type: 'keys_fetched', issuer: issuer.url, uri: issuer.jwksUri, keys: 2 },
    ])
  })

  it('makes a single fetch for 100 concurrent cold lookups', async () => {
    const source = jwks()
    const results = await Promise.all(
      Array.from({ length: 100 }, () => source.lookup('ES256', es256())),
    )
    expect(results.every((result) => 'keys' in result)).toBe(true)
    expect(issuer.hits.jwks).toBe(1)
  })

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const source = jwks({ cooldown: 0.3 })
    await source.lookup('ES256', es256())
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) => source.lookup('ES256', `random-${i}`)),
    )
    expect(flood.every((result) => found(result) === 'unknown_key')).toBe(true)
    // Fetched just now for the first lookup: the flood causes no fetch at all.
    expect(issuer.hits.jwks).toBe(1)
    await sleep(350)
    await Promise.all(Array.from({ length: 200 }, (_, i) => source.lookup('ES256', `again-${i}`)))
    expect(issuer.hits.jwks).toBe(2)
  })

  it('answers at once while fresh, known kid or unknown kid within the cooldown', async () => {
    const source = jwks()
    const cold = source.lookup('ES256', es256())
    expect(cold).toBeInstanceOf(Promise)
    await cold
    const known = source.lookup('ES256', es256())
    const unknown = source.lookup('ES256', 'nobody')
    expect(known).not.toBeInstanceOf(Promise)
    expect(found(known as Awaited<typeof known>)).toEqual([es256()])
    expect(unknown).not.toBeInstanceOf(Promise)
    expect(found(unknown as Awaited<typeof unknown>)).toBe('unknown_key')
    expect(issuer.hits.jwks).toBe(1)
  })

  it('keeps verifying a known kid during an unknown-kid flood', async () => {
    const source = jwks({ cooldown: 30 })
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        source.lookup('ES256', i % 2 ? es256() : `random-${i}`),
      ),
    )
    expect(results.filter((result) => 'keys' in result)).toHaveLength(50)
    expect(issuer.hits.jwks).toBe(1)
  })

  it('finds a rotated-in key after one refetch', async () => {
    const source = jwks({ cooldown: 0.1 })
    await source.lookup('ES256', es256())
    await sleep(150)
    const fresh = issuer.rotate('ES256')
    expect(found(await source.lookup('ES256', fresh.kid))).toEqual([fresh.kid])
    expect(issuer.hits.jwks).toBe(2)
  })

  it('keeps its generation across refetches of an unchanged JWKS, and changes it with the keys', async () => {
    const source = jwks({ ttl: 0.2, minTtl: 0 })
    expect(source.generation()).toBeUndefined()
    await source.lookup('ES256', es256())
    const first = source.generation()
    expect(first).toBeTypeOf('number')
    await sleep(250)
    expect(source.generation()).toBeUndefined()
    await source.lookup('ES256', es256())
    expect(source.generation()).toBe(first)
    issuer.rotate('ES256')
    await sleep(250)
    await source.lookup('ES256', es256())
    expect(source.generation()).not.toBe(first)
    expect(issuer.hits.jwks).toBe(3)
  })

  it('starts a background refresh when asked for its generation near expiry', async () => {
    const source = jwks({ ttl: 0.4, minTtl: 0 })
    await source.lookup('ES256', es256())
    await sleep(320)
    const generation = source.generation()
    expect(generation).toBeTypeOf('number')
    await sleep(100)
    expect(issuer.hits.jwks).toBe(2)
    expect(source.generation()).toBe(generation)
  })

  it('drops a retired key once the cached set expires', async () => {
    const source = jwks({ ttl: 0.2, minTtl: 0 })
    const old = es256()
    await source.lookup('ES256', old)
    issuer.retire(old)
    expect(found(await source.lookup('ES256', old))).toEqual([old])
    await sleep(250)
    expect(found(await source.lookup('ES256', old))).toBe('unknown_key')
  })

  it('honours Cache-Control max-age within the configured bounds', async () => {
    await issuer.close()
    issuer = await createIssuer({ algorithms: ['ES256'], jwksCacheControl: 'public, max-age=1' })
    const source = jwks({ minTtl: 0.5, maxTtl: 60 })
    await source.lookup('ES256', es256())
    await sleep(600)
    await source.lookup('ES256', es256())
    expect(issuer.hits.jwks).toBe(1)
    await sleep(500)
    await source.lookup('ES256', es256())
    expect(issuer.hits.jwks).toBe(2)
  })

  it('refreshes ahead of expiry, so a busy API never waits on a slow provider', async () => {
    const source = jwks({ ttl: 1.2, minTtl: 0 })
    await source.lookup('ES256', es256())
    issuer.fault('slow', 'jwks', 250)
    const started = performance.now()
    let slowest = 0
    while (performance.now() - started < 2500) {
      const before = performance.now()
      expect(found(await source.lookup('ES256', es256()))).toEqual([es256()])
      slowest = Math.max(slowest, performance.now() - before)
      await sleep(20)
    }
    // Two expiries passed; each set was replaced in the background before it ran out.
    expect(issuer.hits.jwks).toBeGreaterThanOrEqual(3)
    expect(slowest).toBeLessThan(150)
  })

  it('shares one slow fetch among every caller that needs it', async () => {
    issuer.fault('slow', 'jwks', 300)
    const source = jwks()
    const results = await Promise.all([
      source.lookup('ES256', es256()),
      source.refresh(),
      source.lookup('ES256', 'unknown'),
      source.refresh(),
    ])
    expect(found(results[0] as never)).toEqual([es256()])
    expect(issuer.hits.jwks).toBe(1)
  })

  it('gives up on a provider hanging for 10 seconds after the default 5-second timeout', async () => {
    issuer.fault('slow', 'jwks', 10_000)
    const started = performance.now()
    expect(await jwks().lookup('ES256', es256())).toMatchObject({ reason: 'keys_unavailable' })
    const waited = performance.now() - started
    expect(waited).toBeGreaterThanOrEqual(4900)
    expect(waited).toBeLessThan(7000)
    expect(issuer.hits.jwks).toBe(1)
  }, 15_000)

  it('answers keys_unavailable with a retry time when the first fetch fails, and waits before retrying', async () => {
    issuer.fault('error', 'jwks')
    const source = jwks({ retryInterval: 5 })
    const first = await source.lookup('ES256', es256())
    expect(first).toMatchObject({ reason: 'keys_unavailable' })
    expect((first as { retryAfter: number }).retryAfter).toBeGreaterThan(4)
    await source.lookup('ES256', es256())
    expect(issuer.hits.jwks).toBe(1)
    expect(events).toContainEqual({
      type: 'fetch_failed',
      issuer: issuer.url,
      uri: issuer.jwksUri,
      failure: 'status',
    })
  })

  it.each([
    ['down', 'network'],
    ['error', 'status'],
    ['garbage', 'not_json'],
    ['not-jwks', 'not_jwks'],
  ] as const)('treats a provider that is %s as a failed fetch (%s)', async (fault, failure) => {
    issuer.fault(fault, 'jwks')
    expect(await jwks().lookup('ES256', es256())).toMatchObject({ reason: 'keys_unavailable' })
    expect(events).toContainEqual(expect.objectContaining({ type: 'fetch_failed', failure }))
  })

  it('gives up on a hanging provider after the timeout', async () => {
    issuer.fault('hang', 'jwks')
    const started = performance.now()
    expect(await jwks({ timeout: 0.3 }).lookup('ES256', es256())).toMatchObject({
      reason: 'keys_unavailable',
    })
    expect(performance.now() - started).toBeLessThan(2000)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', failure: 'timeout' }),
    )
  })

  it('serves the last good keys during an outage, reporting each stale use, for the grace period only', async () => {
    const source = jwks({ ttl: 0.2, minTtl: 0, staleGrace: 0.5, retryInterval: 0 })
    await source.lookup('ES256', es256())
    issuer.fault('error', 'jwks')
    await sleep(250)
    expect(found(await source.lookup('ES256', es256()))).toEqual([es256()])
    expect(events.filter((event) => event.type === 'stale_keys_used')).toHaveLength(1)
    await sleep(500)
    expect(await source.lookup('ES256', es256())).toMatchObject({ reason: 'keys_unavailable' })
    issuer.fault(undefined)
    expect(found(await source.lookup('ES256', es256()))).toEqual([es256()])
  })

  it('never serves stale keys because a kid is unknown', async () => {
    const source = jwks({ cooldown: 0 })
    await source.lookup('ES256', es256())
    issuer.fault('error', 'jwks')
    expect(found(await source.lookup('ES256', 'unknown'))).toBe('unknown_key')
    expect(events.some((event) => event.type === 'stale_keys_used')).toBe(false)
  })

  it('ignores unusable keys of a JWKS and reports each one', async () => {
    const good = generateSigningKey('ES256')
    const weak = {
      ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
      kid: 'weak',
    }
    await withJwksServer(
      () => [
        good.publicJwk,
        weak,
        { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
        { ...good.publicJwk, kid: 'priv', d: 'AAAA' },
        { kty: 'XYZ', kid: 'odd' },
      ],
      async (server) => {
        const source = jwks({}, `${server.origin}/jwks.json`)
        expect(found(await source.lookup('ES256', good.kid))).toEqual([good.kid])
        expect(found(await source.lookup('RS256', 'weak'))).toBe('unknown_key')
        const ignored = events.filter((event) => event.type === 'key_ignored')
        expect(ignored.map((event) => event.type === 'key_ignored' && event.kid)).toEqual([
          'weak',
          'hmac',
          'priv',
          'odd',
        ])
      },
    )
  })
})
