/** Everything that can be wrong with the token itself: 401 invalid_token. */
import { encode } from '@bearer-guard/testing'
import type { Reason } from '@bearer-guard/core'
import type { Case, TokenSpec } from '../case.js'

const invalid = (reason: Reason, token: TokenSpec | string, app?: Case['app']): Case => ({
  name: `refuses ${reason.replaceAll('_', ' ')}: ${describe(token)}`,
  token,
  app,
  expect: {
    status: 401,
    reason,
    challenge: new RegExp(`^Bearer realm="api", error="invalid_token", error_description="[^"]+"$`),
  },
})

function describe(token: TokenSpec | string): string {
  if (typeof token === 'string') return 'a hand-made token'
  return JSON.stringify({ ...token.claims, ...token.mint })
}

export const tokenCases: Case[] = [
  ...(['ES256', 'RS256', 'PS256', 'EdDSA'] as const).map((alg): Case => ({
    name: `accepts a valid ${alg} token`,
    token: { claims: { sub: `sub-${alg}` }, mint: { alg } },
    expect: {
      status: 200,
      body: { sub: `sub-${alg}` },
      headers: { vary: 'Authorization', 'cache-control': 'private' },
    },
  })),
  {
    name: 'accepts a token signed with an HMAC secret',
    app: ({ main }) => ({ secrets: [...main.secrets] }),
    token: { mint: { alg: 'HS256' } },
    expect: { status: 200 },
  },
  invalid('malformed_token', 'not.a.jwt'),
  invalid('malformed_token', `${encode({ alg: 'ES256' })}.${encode('[1,2]')}.c2ln`),
  invalid('alg_not_allowed', { mint: { alg: 'none' } }),
  invalid('alg_not_allowed', { mint: { alg: 'HS256' } }),
  invalid('bad_signature', { mint: { signature: 'corrupt' } }),
  invalid('bad_signature', { mint: { signature: 'empty' } }),
  invalid('unknown_key', { mint: { kid: 'no-such-key' } }),
  invalid('wrong_type', { mint: { typ: 'dpop+jwt' } }),
  invalid('wrong_type', { mint: { typ: 'JWT' } }, { typ: 'at+jwt' }),
  invalid('expired', { claims: { exp: '-1m' } }),
  invalid('not_yet_valid', { claims: { nbf: '+1m' } }),
  invalid('issued_in_future', { claims: { iat: '+1m' } }),
  invalid('too_old', { claims: { iat: '-2h' } }, { maxTokenAge: '1h' }),
  invalid('wrong_issuer', { claims: { iss: 'https://evil.example' } }),
  invalid('wrong_audience', { claims: { aud: 'https://other-api.example' } }),
  invalid('missing_claim', { claims: { exp: undefined } }),
  invalid('missing_claim', { claims: { aud: undefined } }),
  invalid('missing_claim', { claims: { iat: undefined } }, { maxTokenAge: 60 }),
  // Present but of the wrong type: the claim's own check, never missing_claim.
  invalid('wrong_issuer', { claims: { iss: ['x'] } }),
  invalid('wrong_issuer', { claims: { iss: 42 } }),
  invalid('wrong_audience', { claims: { aud: 5 } }),
  invalid('expired', { claims: { exp: [9999999999] } }),
  invalid('not_yet_valid', { claims: { nbf: true } }),
  invalid('issued_in_future', { claims: { iat: null } }),
  invalid('claim_mismatch', { claims: { sub: 42 } }),
]
