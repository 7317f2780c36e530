// DPoP interop: a real oidc-provider issues DPoP-bound JWT access tokens through the client
// credentials grant, a real oauth4webapi client gets them and calls the three example APIs with
// its own proofs. Nothing here is signed or shaped by bearer-guard's test helpers: every token
// comes from oidc-provider and every proof from oauth4webapi, over HTTP on loopback.
import { randomBytes } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GuardOptions } from '@bearer-guard/core'
import { ordersApp as expressOrders } from '../../examples/express/src/app.js'
import { ordersApp as fastifyOrders } from '../../examples/fastify/src/app.js'
import { ordersApp as koaOrders } from '../../examples/koa/src/app.js'
import { listenHttp, startAuthorizationServer } from '../authorization-server.js'
import { freePort } from '../ports.js'

const SCOPE = 'orders:read'
const CLIENT_ID = 'orders-worker'
// A resource no API serves: only for looking at the token oidc-provider issues.
const PROBE_RESOURCE = 'https://orders.example/'
const CLIENT_SECRET = randomBytes(32).toString('base64url')
// oauth4webapi refuses plain http unless told; everything here is on 127.0.0.1.
const INSECURE = { [oauth.allowInsecureRequests]: true } as const

/** Run in the top-level afterAll, so servers started by a failed beforeAll are closed too. */
const closers: (() => Promise<void>)[] = []
/** The resource indicators oidc-provider accepts: the origins of the APIs started below. */
const resources = new Set<string>()

/** What a refusal looked like, for comparing the frameworks. */
interface Answer {
  status: number
  wwwAuthenticate: string | null
  authReason: string | null
}
const answerOf = (response: Response): Answer => ({
  status: response.status,
  wwwAuthenticate: response.headers.get('www-authenticate'),
  authReason: response.headers.get('auth-reason'),
})
const answers = new Map<string, Record<string, Answer>>()

// ---------------------------------------------------------------------------------------------
// The authorization server.

let issuer: string
let as: oauth.AuthorizationServer
const client: oauth.Client = { client_id: CLIENT_ID }
const clientAuth = oauth.ClientSecretBasic(CLIENT_SECRET)
let dpop: oauth.DPoPHandle
let jkt: string
/** Token requests oauth4webapi had to repeat with the nonce oidc-provider asked for. */
let tokenNonceRetries = 0

async function startIdentityProvider(): Promise<void> {
  issuer = await startAuthorizationServer({
    clients: [{ id: CLIENT_ID, secret: CLIENT_SECRET, scope: SCOPE }],
    scopes: [SCOPE],
    resources,
    grant: (_resource, clientId) => (clientId === CLIENT_ID ? SCOPE : undefined),
    // Nonces at the token endpoint too, so the client's nonce retry is exercised.
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    closers,
  })
  const issuerUrl = new URL(issuer)
  as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, INSECURE),
  )
}

/** A DPoP-bound access token for `resource`, as any oauth4webapi client would get one. */
async function tokenFor(resource: string): Promise<oauth.TokenEndpointResponse> {
  const request = async () =>
    oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        clientAuth,
        { resource, scope: SCOPE },
        { DPoP: dpop, ...INSECURE },
      ),
    )
  try {
    try {
      return await request()
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error
      // The handle cached the DPoP-Nonce of the refusal: the same call now carries it.
      tokenNonceRetries++
      return await request()
    }
  } catch (error) {
    if (!(error instanceof oauth.ResponseBodyError)) throw error
    const { status, error: code, error_description: description } = error
    throw new Error(`token request refused: ${JSON.stringify({ status, code, description })}`)
  }
}

// ---------------------------------------------------------------------------------------------
// The APIs and the client's calls.

interface Api {
  origin: string
  token: string
}

type Start = (options: (origin: string) => GuardOptions) => Promise<string>

const frameworks: { name: string; start: Start }[] = [
  {
    name: 'Express 5',
    start: (options) => listenHttp((origin) => expressOrders(options(origin)), closers),
  },
  {
    name: 'Koa 3',
    start: (options) => listenHttp((origin) => koaOrders(options(origin)).callback(), closers),
  },
  {
    name: 'Fastify 5',
    // Fastify builds its own server, after the plugin has the options: pick the port first.
    start: async (options) => {
      const origin = `http://127.0.0.1:${await freePort()}`
      const app = await fastifyOrders(options(origin))
      closers.push(() => app.close())
      await app.listen({ port: Number(new URL(origin).port), host: '127.0.0.1' })
      return origin
    },
  },
]

/** Starts an API whose guard options are built from its origin, and gets a token for it. */
async function startApi(start: Start, options: (origin: string) => GuardOptions): Promise<Api> {
  const origin = await start((origin) => {
    resources.add(origin)
    return options(origin)
  })
  const { access_token: token, token_type } = await tokenFor(origin)
  expect(token_type).toBe('dpop')
  expect(decodeJwt(token)).toMatchObject({ iss: issuer, aud: origin, cnf: { jkt } })
  return { origin, token }
}

interface Sent {
  response: Response
  /** The request headers oauth4webapi sent, proof and Authorization included. */
  headers: Record<string, string>
}

/** oauth4webapi's own protected resource request, its DPoP proof included; records its headers. */
function oauthGet(api: Api, sent: Record<string, string>): Promise<Response> {
  return oauth.protectedResourceRequest(
    api.token,
    'GET',
    new URL('/orders', api.origin),
    new Headers({ accept: 'application/json' }),
    null,
    {
      DPoP: dpop,
      ...INSECURE,
      [oauth.customFetch]: (url, init) => {
        Object.assign(sent, init.headers)
        return fetch(url, init)
      },
    },
  )
}

/** GET /orders through oauth4webapi, expected to succeed: a refusal fails with what was sent. */
async function dpopGet(api: Api): Promise<Sent> {
  const headers: Record<string, string> = {}
  try {
    return { response: await oauthGet(api, headers), headers }
  } catch (error) {
    throw explained(error, headers)
  }
}

/**
 * A refusal of oauth4webapi's request, described by what was sent (header names, the proof's
 * decoded header and claims) and what came back: never the token or the proof themselves.
 */
function explained(error: unknown, sent: Record<string, string>): unknown {
  if (!(error instanceof oauth.WWWAuthenticateChallengeError)) return error
  const proof = sent.dpop === undefined ? undefined : proofClaims(sent.dpop)
  return new Error(
    `oauth4webapi's request was refused: ${JSON.stringify({
      sent: { headers: Object.keys(sent), scheme: sent.authorization?.split(' ')[0], proof },
      answer: answerOf(error.response),
    })}`,
  )
}

function proofClaims(proof: string) {
  const { jwk: _jwk, ...header } = decodeProtectedHeader(proof)
  return { header, payload: decodeJwt(proof) }
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  await startIdentityProvider()
  // oauth4webapi's default: a non-extractable private key, an extractable public one.
  dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
  jkt = await dpop.calculateThumbprint()
}, 20_000)

afterAll(async () => {
  await Promise.allSettled(closers.reverse().map((close) => close()))
})

describe('oidc-provider issues DPoP-bound JWT access tokens to oauth4webapi', () => {
  it('binds a client credentials token to the client key, after a DPoP nonce retry', async () => {
    resources.add(PROBE_RESOURCE)
    const response = await tokenFor(PROBE_RESOURCE)
    expect(tokenNonceRetries).toBe(1)
    expect(response.token_type).toBe('dpop') // oauth4webapi lower-cases `DPoP`
    expect(response.scope).toBe(SCOPE)
    expect(decodeProtectedHeader(response.access_token)).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: 'as-es256',
    })
    const claims = decodeJwt(response.access_token)
    expect(claims).toMatchObject({
      iss: issuer,
      aud: PROBE_RESOURCE,
      sub: CLIENT_ID,
      client_id: CLIENT_ID,
      scope: SCOPE,
      cnf: { jkt },
    })
  })
})

describe.each(frameworks)('the $name orders example behind oidc-provider', ({ name, start }) => {
  const recorded: Record<string, Answer> = {}
  answers.set(name, recorded)
  // `resource` set: htu is compared against it, and keys come through discovery from `issuer`.
  let viaResource: Api
  // No `resource`: htu is built from the request's scheme and Host; keys from `jwksUri`.
  let viaHost: Api
  // `resource` set, and DPoP nonces required.
  let withNonce: Api

  beforeAll(async () => {
    viaResource = await startApi(start, (origin) => ({
      issuer,
      audience: origin,
      resource: origin,
    }))
    viaHost = await startApi(start, (origin) => ({
      issuer,
      audience: origin,
      jwksUri: as.jwks_uri,
    }))
    withNonce = await startApi(start, (origin) => ({
      issuer,
      audience: origin,
      resource: origin,
      dpop: { nonce: true },
    }))
  }, 20_000)

  const variants = [
    { variant: 'resource', api: () => viaResource },
    { variant: 'Host header', api: () => viaHost },
  ]

  describe.each(variants)('with htu from $variant', ({ variant, api }) => {
    it("accepts oauth4webapi's DPoP request", async () => {
      const { response, headers } = await dpopGet(api())
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ orders: [] }) // sub is the client id: no orders
      expect(headers.authorization?.split(' ')[0]).toBe('DPoP') // the scheme, not the token
      const { header, payload } = proofClaims(headers.dpop ?? '')
      expect(header).toEqual({ alg: 'ES256', typ: 'dpop+jwt' })
      expect(payload).toMatchObject({ htm: 'GET', htu: `${api().origin}/orders` })
      expect(payload.nonce).toBeUndefined()
    })

    it('refuses the same token sent as a Bearer token', async () => {
      const response = await fetch(new URL('/orders', api().origin), {
        headers: { authorization: `Bearer ${api().token}` },
      })
      const answer = answerOf(response)
      expect(answer.status).toBe(401)
      expect(answer.authReason).toBe('dpop_bound_token')
      expect(answer.wwwAuthenticate).toMatch(/^Bearer realm="api", error="invalid_token"/)
      recorded[`${variant}: bearer`] = answer
    })

    it('refuses a replay of a proof oauth4webapi made', async () => {
      const { response, headers } = await dpopGet(api())
      expect(response.status).toBe(200)
      const replay = await fetch(new URL('/orders', api().origin), {
        headers: { authorization: headers.authorization ?? '', dpop: headers.dpop ?? '' },
      })
      const answer = answerOf(replay)
      expect(answer.status).toBe(401)
      expect(answer.authReason).toBe('dpop_replayed')
      expect(answer.wwwAuthenticate).toMatch(/^DPoP error="invalid_dpop_proof"/)
      recorded[`${variant}: replay`] = answer
    })
  })

  describe('with dpop: { nonce: true }', () => {
    it('challenges for a nonce, and oauth4webapi retries with it', async () => {
      const sent: Record<string, string> = {}
      const refusal = await oauthGet(withNonce, sent).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(proofClaims(sent.dpop ?? '').payload.nonce).toBeUndefined()
      expect(oauth.isDPoPNonceError(refusal)).toBe(true)
      expect(refusal).toBeInstanceOf(oauth.WWWAuthenticateChallengeError)
      const challenge = refusal as oauth.WWWAuthenticateChallengeError
      expect(challenge.cause).toContainEqual(
        expect.objectContaining({
          scheme: 'dpop',
          parameters: expect.objectContaining({ error: 'use_dpop_nonce' }),
        }),
      )
      const answer = answerOf(challenge.response)
      expect(answer.status).toBe(401)
      expect(answer.authReason).toBe('use_dpop_nonce')
      expect(answer.wwwAuthenticate).toMatch(/^DPoP error="use_dpop_nonce"/)
      const nonce = challenge.response.headers.get('dpop-nonce')
      expect(nonce).toBeTruthy()
      recorded['nonce: challenge'] = answer

      // The handle cached DPoP-Nonce for this origin: the very same call now succeeds.
      const { response, headers } = await dpopGet(withNonce)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ orders: [] })
      expect(proofClaims(headers.dpop ?? '').payload.nonce).toBe(nonce)
    })
  })
})

describe('the three frameworks', () => {
  it('answer every refusal alike: status, WWW-Authenticate and Auth-Reason', () => {
    const [first, ...others] = [...answers.values()]
    expect(Object.keys(first ?? {}).sort()).toEqual([
      'Host header: bearer',
      'Host header: replay',
      'nonce: challenge',
      'resource: bearer',
      'resource: replay',
    ])
    for (const other of others) expect(other).toEqual(first)
  })
})
