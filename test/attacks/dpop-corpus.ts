/**
 * DPoP attacks (RFC 9449 §11): proofs forged, borrowed or bent, and bound tokens downgraded.
 * Each proof sent is recorded, so the suite can check no answer or event ever carries one.
 */
import { generateKeyPairSync } from 'node:crypto'
import { dpopProof, encode, generateDpopKey, jwkThumbprint } from '@bearer-guard/testing'
import type { DpopKey, ProofSpec } from '@bearer-guard/testing'
import { REASONS } from '@bearer-guard/core'
import type { Reason } from '@bearer-guard/core'
import type { Case, Issuers } from '../conformance/case.js'

const RESOURCE = 'https://api.example.test'
const key = generateDpopKey()
const otherKey = generateDpopKey()
// A point that is not on P-256: the client key with its x for its y.
const offCurve = { ...key.jwk, y: key.jwk.x }
// A client key too weak to accept: RSA under 2048 bits.
const weakRsa = weakRsaKey()

/** Every proof a DPoP attack sent. */
export const sentProofs: string[] = []

const record = (proofs: string[]) => (sentProofs.push(...proofs), proofs)
const at = (uri: string) => `${RESOURCE}${new URL(uri).pathname}`

/** A DPoP attack: the token bound to `key` unless `token` says otherwise. */
const dpopAttack = (
  name: string,
  expect: Reason,
  proofs: (token: string, uri: string) => string[],
  extra: Partial<Case> = {},
): Case => ({
  name,
  app: { resource: RESOURCE },
  token: { claims: { cnf: { jkt: key.jkt } } },
  send: {
    authorization: (token) => [`DPoP ${token}`],
    dpop: (token, uri) => record(proofs(token, uri)),
  },
  expect: { status: REASONS[expect].status, reason: expect },
  ...extra,
})
const bent = (spec: ProofSpec) => (token: string, uri: string) => [
  dpopProof(key, { url: at(uri), token, ...spec }),
]
/** A proof from parts: header and payload objects (or raw JSON text), any signature. */
const forged =
  (header: unknown, payload: (token: string, uri: string) => unknown) =>
  (token: string, uri: string) => [`${encode(header)}.${encode(payload(token, uri))}.c2lnbmF0dXJl`]

function weakRsaKey(): DpopKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const jwk = publicKey.export({ format: 'jwk' })
  return {
    kid: 'weak',
    alg: 'RS256',
    privateKey,
    publicJwk: { ...jwk, kid: 'weak', alg: 'RS256', use: 'sig' },
    jwk,
    jkt: jwkThumbprint(jwk),
  }
}

/** DPoP credentials: the token, and a proof of `client` for /orders. */
const dpopSend = (client: DpopKey) => ({
  authorization: (token: string) => [`DPoP ${token}`],
  dpop: (token: string) => record([dpopProof(client, { url: `${RESOURCE}/orders`, token })]),
})

export function dpopAttacks(): Case[] {
  const claimsFor = (token: string, uri: string) => {
    const [, payload] = dpopProof(key, { url: at(uri), token }).split('.')
    return JSON.parse(Buffer.from(payload!, 'base64url').toString())
  }
  return [
    dpopAttack(
      'a DPoP proof signed by another key than its jwk',
      'invalid_dpop_proof',
      bent({ mint: { key: otherKey } }),
    ),
    dpopAttack(
      'a DPoP proof carrying the private key in its jwk',
      'invalid_dpop_proof',
      bent({
        mint: { header: { jwk: { ...key.jwk, d: key.privateKey.export({ format: 'jwk' }).d } } },
      }),
    ),
    dpopAttack(
      'a DPoP proof with a symmetric jwk',
      'invalid_dpop_proof',
      bent({
        mint: {
          alg: 'HS256',
          secret: new Uint8Array(32),
          header: { jwk: { kty: 'oct', k: encode('\u0000'.repeat(32)) } },
        },
      }),
    ),
    dpopAttack('a DPoP proof with alg none', 'invalid_dpop_proof', bent({ mint: { alg: 'none' } })),
    dpopAttack(
      'a DPoP proof with alg none and no signature segment',
      'invalid_dpop_proof',
      (token, uri) => [dpopProof(key, { url: at(uri), token, mint: { alg: 'none' } }).slice(0, -1)],
    ),
    dpopAttack(
      'a DPoP proof signed with HS256 under the public key as secret',
      'invalid_dpop_proof',
      bent({ mint: { alg: 'HS256', secret: new TextEncoder().encode(JSON.stringify(key.jwk)) } }),
    ),
    dpopAttack(
      'a DPoP proof whose RSA jwk is under 2048 bits',
      'invalid_dpop_proof',
      (token, uri) => [dpopProof(weakRsa, { url: at(uri), token })],
      { token: { claims: { cnf: { jkt: weakRsa.jkt } } } },
    ),
    dpopAttack(
      'a DPoP proof with an EC jwk off its curve',
      'invalid_dpop_proof',
      bent({ mint: { header: { jwk: offCurve } } }),
      { token: { claims: { cnf: { jkt: jwkThumbprint(offCurve) } } } },
    ),
    dpopAttack(
      'a DPoP proof with a stale iat',
      'invalid_dpop_proof',
      bent({ claims: { iat: '-10m' } }),
    ),
    dpopAttack(
      'a DPoP proof issued in the future',
      'invalid_dpop_proof',
      bent({ claims: { iat: '+2m' } }),
    ),
    dpopAttack('a DPoP proof for another method', 'invalid_dpop_proof', bent({ method: 'DELETE' })),
    dpopAttack('a DPoP proof for another path', 'invalid_dpop_proof', (token) => [
      dpopProof(key, { url: `${RESOURCE}/admin`, token }),
    ]),
    dpopAttack('a DPoP proof for another host behind userinfo', 'invalid_dpop_proof', (token) => [
      dpopProof(key, { url: 'https://api.example.test@evil.example/orders', token }),
    ]),
    dpopAttack('a DPoP proof for the same path with a backslash', 'invalid_dpop_proof', (token) => [
      dpopProof(key, { url: 'https://evil.example\\@api.example.test/orders', token }),
    ]),
    dpopAttack('a DPoP proof whose ath is of another token', 'invalid_dpop_proof', (token, uri) =>
      bent({ token: `${token}x` })(token, uri),
    ),
    dpopAttack('a DPoP proof without ath', 'invalid_dpop_proof', bent({ token: undefined })),
    dpopAttack('a DPoP proof with duplicate typ members', 'invalid_dpop_proof', (token, uri) => [
      `${encode(`{"typ":"jwt","typ":"dpop+jwt","alg":"ES256","jwk":${JSON.stringify(key.jwk)}}`)}.${encode(claimsFor(token, uri))}.c2ln`,
    ]),
    dpopAttack(
      'a DPoP proof naming a jku to fetch its key from',
      'invalid_dpop_proof',
      forged({ typ: 'dpop+jwt', alg: 'ES256', jku: 'http://127.0.0.1:1/jwks' }, claimsFor),
    ),
    dpopAttack(
      'a DPoP proof whose jwk is the key of another client',
      'dpop_key_mismatch',
      (token, uri) => [dpopProof(otherKey, { url: at(uri), token })],
    ),
    dpopAttack('an access token sent as its own DPoP proof', 'invalid_dpop_proof', (token) => [
      token,
    ]),
    dpopAttack('a DPoP proof sent as the access token', 'missing_claim', bent({}), {
      send: {
        authorization: (token) => [`DPoP ${record(bent({})(token, `${RESOURCE}/orders`))[0]}`],
        dpop: (token, uri) => record(bent({})(token, uri)),
      },
    }),
    dpopAttack('a bound token downgraded to Bearer with its proof', 'dpop_bound_token', bent({}), {
      send: { dpop: (token, uri) => record(bent({})(token, uri)) },
    }),
    dpopAttack('a bound token downgraded to Bearer without a proof', 'dpop_bound_token', () => [], {
      send: {},
    }),
    dpopAttack(
      'a DPoP proof made for another token bound to the same key',
      'invalid_dpop_proof',
      (_token, uri) => bent({ token: firstToken })('', uri),
      {
        token: async (issuers: Issuers) => {
          firstToken = await issuers.main.mint({ cnf: { jkt: key.jkt } })
          return issuers.main.mint({ cnf: { jkt: key.jkt } })
        },
      },
    ),
    dpopAttack(
      'a second DPoP header with a valid proof behind a forged one',
      'invalid_dpop_proof',
      (token, uri) => [
        ...forged({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk }, claimsFor)(token, uri),
        ...bent({})(token, uri),
      ],
    ),
    // A review found these accepted: the htu comparison resolved dot segments, read `\` as `/`
    // and decoded unreserved characters, which the routers do not, so a proof for /orders
    // reached paths under another route.
    ...[
      '/shop/orders/1\\..\\..\\..\\orders',
      '/shop/..\\orders',
      '/shop/orders/../../orders',
      '/shop/orders/%2e%2e/%2E%2E/orders',
      '/shop/orders/1;/../../../orders',
      // A second review: Express and @koa/router match the raw path, so an encoded unreserved
      // character reaches another route than the one the proof names.
      '/%6Frders',
    ].map((path) =>
      dpopAttack(
        `a DPoP proof for /orders sent to ${path}`,
        'invalid_dpop_proof',
        (token) => [dpopProof(key, { url: `${RESOURCE}/orders`, token })],
        { mount: 'app', send: { path, ...dpopSend(key) } },
      ),
    ),
    dpopAttack(
      'a DPoP proof whose htu puts a backslash after the host',
      'invalid_dpop_proof',
      (token) => [dpopProof(key, { url: `${RESOURCE}\\orders`, token })],
    ),
    dpopAttack('DPoP and Bearer credentials folded into one header', 'multiple_tokens', bent({}), {
      send: {
        authorization: (token) => [`DPoP ${token}, Bearer ${token}`],
        dpop: (token, uri) => record(bent({})(token, uri)),
      },
    }),
  ]
}

// The token a borrowed proof was made for, minted with the token the case sends.
let firstToken: string | undefined
