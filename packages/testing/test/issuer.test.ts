import { createServer } from 'node:http'
import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, rawRequest, secretThumbprint } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'

type Jwks = { keys: Record<string, unknown>[] }
const kidsOf = async (url: string) =>
  ((await (await fetch(url)).json()) as Jwks).keys.map((key) => key.kid)

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer()
})
afterAll(() => issuer.close())

const now = () => Math.floor(Date.now() / 1000)

describe('issuer.mint(claims, options)', () => {
  it('mints a token jose verifies against the published JWKS, for every algorithm', async () => {
    const keys = createLocalJWKSet(issuer.jwks())
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA'] as const) {
      const { payload, protectedHeader } = await jwtVerify(await issuer.mint({}, { alg }), keys, {
        issuer: issuer.url,
        audience: issuer.audience,
      })
      expect(protectedHeader).toMatchObject({
        alg,
        typ: 'at+jwt',
        kid: issuer.keys.find((key) => key.alg === alg)!.kid,
      })
      expect(payload).toMatchObject({ sub: 'user-1', iss: issuer.url, aud: issuer.audience })
      expect(payload.exp! - payload.iat!).toBe(300)
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('mints HMAC tokens jose verifies, with the RFC 7638 thumbprint as kid', async () => {
    const token = await issuer.mint({}, { alg: 'HS256' })
    await expect(jwtVerify(token, issuer.secrets[0]!)).resolves.toBeDefined()
    expect(decodeProtectedHeader(token).kid).toBe(secretThumbprint(issuer.secrets[0]!))
    // Checked against jose's own RFC 7638 implementation.
    const k = Buffer.from(issuer.secrets[1]!).toString('base64url')
    expect(secretThumbprint(issuer.secrets[1]!)).toBe(
      await calculateJwkThumbprint({ kty: 'oct', k }),
    )
  })

  it('resolves relative times and drops claims set to undefined', async () => {
    const payload = decodeJwt(
      await issuer.mint({ exp: '-1m', nbf: '+2h', jti: undefined, tenant: 'acme' }),
    )
    expect(payload.exp).toBeGreaterThanOrEqual(now() - 61)
    expect(payload.exp).toBeLessThanOrEqual(now() - 59)
    expect(payload.nbf).toBeGreaterThanOrEqual(now() + 7199)
    expect(payload).not.toHaveProperty('jti')
    expect(payload.tenant).toBe('acme')
  })

  it('refuses an unreadable relative time', async () => {
    await expect(issuer.mint({ exp: 'tomorrow' })).rejects.toThrow(/relative time/)
  })

  it('mints broken variants on request', async () => {
    const keys = createLocalJWKSet(issuer.jwks())
    await expect(
      compactVerify(await issuer.mint({}, { signature: 'corrupt' }), keys),
    ).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
    expect((await issuer.mint({}, { signature: 'empty' })).endsWith('.')).toBe(true)
    const none = await issuer.mint({}, { alg: 'none' })
    expect(decodeProtectedHeader(none)).toEqual({ alg: 'none', typ: 'at+jwt' })
    expect(none.endsWith('.')).toBe(true)
    expect(
      decodeProtectedHeader(
        await issuer.mint({}, { kid: null, typ: null, header: { jku: 'https://x' } }),
      ),
    ).toEqual({ alg: 'ES256', jku: 'https://x' })
  })
})

describe('the JWKS and discovery server', () => {
  it('serves the JWKS and both metadata documents, counting hits', async () => {
    issuer.resetHits()
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as Jwks
    expect(jwks.keys.map((key) => key.kid)).toEqual(issuer.keys.map((key) => key.kid))
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true)
    const openid = await (await fetch(`${issuer.url}/.well-known/openid-configuration`)).json()
    const oauth = await (await fetch(`${issuer.url}/.well-known/oauth-authorization-server`)).json()
    expect(openid).toEqual({ issuer: issuer.url, jwks_uri: issuer.jwksUri })
    expect(oauth).toEqual(openid)
    expect(issuer.hits).toEqual({ jwks: 1, openid: 1, oauth: 1 })
  })

  it('publishes a rotated key first and stops publishing a retired one', async () => {
    const fresh = issuer.rotate('ES256')
    expect((await kidsOf(issuer.jwksUri))[0]).toBe(fresh.kid)
    expect(decodeProtectedHeader(await issuer.mint()).kid).toBe(fresh.kid)
    issuer.retire(fresh.kid)
    expect(await kidsOf(issuer.jwksUri)).not.toContain(fresh.kid)
  })

  it('fails in each way it is told to, then heals', async () => {
    const faulty = await createIssuer({ algorithms: ['ES256'] })
    try {
      faulty.fault('error', 'jwks')
      expect((await fetch(faulty.jwksUri)).status).toBe(500)
      faulty.fault('garbage', 'jwks')
      await expect((await fetch(faulty.jwksUri)).json()).rejects.toThrow()
      faulty.fault('not-jwks', 'jwks')
      expect(await (await fetch(faulty.jwksUri)).json()).not.toHaveProperty('keys')
      faulty.fault('down', 'jwks')
      await expect(fetch(faulty.jwksUri)).rejects.toThrow()
      faulty.fault('hang', 'jwks')
      await expect(fetch(faulty.jwksUri, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
      faulty.fault('slow', 'jwks', 200)
      const started = performance.now()
      expect((await fetch(faulty.jwksUri)).status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(190)
      faulty.fault('error', 'discovery')
      expect((await fetch(`${faulty.url}/.well-known/openid-configuration`)).status).toBe(500)
      faulty.fault(undefined)
      expect((await fetch(faulty.jwksUri)).status).toBe(200)
    } finally {
      await faulty.close()
    }
  })

  it('closes even while a request hangs', async () => {
    const faulty = await createIssuer({ algorithms: ['ES256'] })
    faulty.fault('hang')
    const pending = fetch(faulty.jwksUri).catch((error: Error) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await faulty.close()
    expect(await pending).toBeInstanceOf(Error)
  })
})

describe('rawRequest(origin, method, path, headers)', () => {
  it('sends repeated headers as separate lines', async () => {
    const server = createServer((req, res) => res.end(JSON.stringify(req.rawHeaders)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const res = await rawRequest(`http://127.0.0.1:${port}`, 'GET', '/', [
        ['Authorization', 'a'],
        ['Authorization', 'b'],
      ])
      expect(res.status).toBe(200)
      expect(
        JSON.parse(res.body).filter((value: string) => value === 'Authorization'),
      ).toHaveLength(2)
    } finally {
      server.close()
    }
  })
})
