/** DPoP (RFC 9449): every outcome of a proof, a binding and a scheme, on every adapter. */
import { ASYMMETRIC_ALGORITHMS } from '@bearer-guard/core'
import { dpopProof, generateDpopKey } from '@bearer-guard/testing'
import type { ProofSpec } from '@bearer-guard/testing'
import type { Case } from '../case.js'

const RESOURCE = 'https://api.example.test'
const ALGS = `algs="${ASYMMETRIC_ALGORITHMS.join(' ')}"`
const key = generateDpopKey()
const otherKey = generateDpopKey()
const boundToken = { claims: { cnf: { jkt: key.jkt } } }
const app = { resource: RESOURCE }

/** One proof per DPoP header, for the resource's URI of the path (or the request's own). */
const proof =
  (spec: ProofSpec = {}, copies = 1, own = false) =>
  (token: string, uri: string) => {
    const url = own ? uri : `${RESOURCE}${new URL(uri).pathname}`
    return Array.from({ length: copies }, () => dpopProof(key, { url, token, ...spec }))
  }
const dpop = (make = proof()) => ({
  authorization: (token: string) => [`DPoP ${token}`],
  dpop: make,
})

const dpopError = (error: string) =>
  new RegExp(`^DPoP error="${error}", error_description="[^"]+", ${ALGS}$`)
const invalidProof = {
  status: 401,
  reason: 'invalid_dpop_proof' as const,
  challenge: dpopError('invalid_dpop_proof'),
  headers: {
    'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce, Auth-Reason',
    'dpop-nonce': undefined,
  },
}
const refusedProof = (name: string, make: Case['send']): Case => ({
  name,
  app,
  token: boundToken,
  send: make,
  expect: invalidProof,
})

// A proof reused: made once, so the second request of a case carries the same one.
let reused: string | undefined
const sameProof = (token: string, uri: string) => [
  (reused ??= dpopProof(key, { url: `${RESOURCE}${new URL(uri).pathname}`, token })),
]

export const dpopCases: Case[] = [
  {
    name: 'accepts a bound token with a proof of its key, as a private response',
    app,
    token: boundToken,
    send: dpop(),
    expect: { status: 200, body: { sub: 'user-1' }, headers: { 'cache-control': 'private' } },
  },
  {
    name: 'accepts a proof on an app-wide guard and a route guard of the same request',
    app,
    mount: 'both',
    token: boundToken,
    send: dpop(),
    expect: { status: 200 },
  },
  {
    name: "compares htu with the request's own scheme and Host without resource",
    token: boundToken,
    send: dpop(proof({}, 1, true)),
    expect: { status: 200 },
  },
  {
    name: 'refuses a proof for another origin than the Host without resource',
    token: boundToken,
    send: dpop(proof({ url: 'http://api.example.test/orders' }, 1, true)),
    expect: invalidProof,
  },
  {
    name: 'refuses a DPoP request with a malformed Host when htu comes from it',
    token: boundToken,
    send: { ...dpop(proof({}, 1, true)), headers: [['Host', 'api.example.test/evil?']] },
    expect: {
      status: 400,
      reason: 'malformed_header',
      challenge: /^DPoP error="invalid_request", error_description="[^"]+", algs="/,
    },
  },
  {
    name: 'refuses a bound token sent as Bearer (the downgrade rule)',
    app,
    token: boundToken,
    expect: {
      status: 401,
      reason: 'dpop_bound_token',
      challenge: /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    },
  },
  {
    name: 'refuses a bound token sent as Bearer with its proof, and with DPoP turned off',
    app: { ...app, dpop: false },
    token: boundToken,
    send: { dpop: proof() },
    expect: {
      status: 401,
      reason: 'dpop_bound_token',
      challenge: /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    },
  },
  {
    name: 'refuses an unbound token under DPoP',
    app,
    send: dpop(),
    expect: { status: 401, reason: 'dpop_key_mismatch', challenge: dpopError('invalid_token') },
  },
  {
    name: "refuses a proof of another key than the token's cnf.jkt",
    app,
    token: boundToken,
    send: dpop((token, uri) => [
      dpopProof(otherKey, { url: `${RESOURCE}${new URL(uri).pathname}`, token }),
    ]),
    expect: { status: 401, reason: 'dpop_key_mismatch', challenge: dpopError('invalid_token') },
  },
  refusedProof(
    'refuses DPoP credentials without a DPoP header',
    dpop(() => []),
  ),
  refusedProof('refuses two DPoP headers', dpop(proof({}, 2))),
  refusedProof(
    'refuses a DPoP header over 8 KiB',
    dpop(() => ['a'.repeat(8193)]),
  ),
  refusedProof(
    'refuses a proof that is no JWS',
    dpop(() => ['e30.e30']),
  ),
  refusedProof('refuses a proof with another typ', dpop(proof({ mint: { typ: 'JWT' } }))),
  refusedProof('refuses a proof with alg none', dpop(proof({ mint: { alg: 'none' } }))),
  refusedProof(
    'refuses a proof signed with HS256',
    dpop(proof({ mint: { alg: 'HS256', secret: new Uint8Array(32).fill(1) } })),
  ),
  refusedProof(
    'refuses a proof carrying a private key',
    dpop(proof({ mint: { header: { jwk: { ...key.jwk, d: 'AAAA' } } } })),
  ),
  refusedProof(
    'refuses a proof signed by another key than its jwk',
    dpop(proof({ mint: { key: otherKey } })),
  ),
  refusedProof(
    'refuses a proof with a corrupt signature',
    dpop(proof({ mint: { signature: 'corrupt' } })),
  ),
  refusedProof('refuses a proof for another method', dpop(proof({ method: 'POST' }))),
  refusedProof(
    'refuses a proof for another URI',
    dpop((token) => [dpopProof(key, { url: `${RESOURCE}/other`, token })]),
  ),
  refusedProof('refuses a stale proof', dpop(proof({ claims: { iat: '-6m' } }))),
  refusedProof('refuses a proof from the future', dpop(proof({ claims: { iat: '+1m' } }))),
  refusedProof(
    'refuses a proof for another token (its ath)',
    dpop((_token, uri) => [
      dpopProof(key, { url: `${RESOURCE}${new URL(uri).pathname}`, token: 'x.y.z' }),
    ]),
  ),
  {
    name: 'refuses a proof the second time it is sent',
    app,
    token: boundToken,
    send: dpop(sameProof),
    repeat: 2,
    expect: {
      status: 401,
      reason: 'dpop_replayed',
      challenge: dpopError('invalid_dpop_proof'),
    },
  },
  {
    name: 'asks for a server nonce with exactly one DPoP-Nonce',
    app: { ...app, dpop: { nonce: true } },
    token: boundToken,
    send: dpop(),
    expect: {
      status: 401,
      reason: 'use_dpop_nonce',
      challenge: dpopError('use_dpop_nonce'),
      headers: { 'dpop-nonce': /^[A-Za-z0-9_-]{43}$/ },
    },
  },
  {
    name: 'refuses a Bearer token on a route that requires DPoP',
    app,
    route: { dpop: 'required' },
    expect: {
      status: 401,
      reason: 'dpop_required',
      challenge: new RegExp(`^DPoP error="invalid_token", error_description="[^"]+", ${ALGS}$`),
    },
  },
  {
    name: 'sends only the DPoP challenge without credentials where DPoP is required',
    app: { ...app, dpop: 'required' },
    token: null,
    expect: { status: 401, reason: 'missing_token', challenge: `DPoP ${ALGS}` },
  },
  {
    name: 'takes DPoP credentials as another scheme where DPoP is off',
    app: { ...app, dpop: false },
    token: boundToken,
    send: dpop(),
    expect: { status: 401, reason: 'missing_token', challenge: 'Bearer realm="api"' },
  },
  {
    name: 'puts the scope of a DPoP request on its DPoP challenge',
    app,
    route: { scope: 'orders:write' },
    token: boundToken,
    send: dpop(),
    expect: {
      status: 403,
      reason: 'insufficient_scope',
      challenge: new RegExp(
        `^DPoP error="insufficient_scope", error_description="[^"]+", scope="orders:write", ${ALGS}$`,
      ),
    },
  },
  {
    name: 'refuses a DPoP token in the query before anything else',
    app,
    token: boundToken,
    send: { ...dpop(), query: (token) => `access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query' },
  },
]
