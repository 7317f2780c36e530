/** Several trusted issuers, each with its own keys, audience and algorithms. */
import type { Case, Issuers } from '../case.js'

// Replaces the single-issuer options with two issuers: main (discovered) and other (local keys).
const twoIssuers = ({ main, other }: Issuers) => ({
  issuer: undefined,
  audience: undefined,
  issuers: [
    { issuer: main.url, audience: main.audience },
    { issuer: other.url, keys: other.jwks(), audience: other.audience, algorithms: ['RS256'] },
  ],
})

export const issuerCases: Case[] = [
  {
    name: 'accepts a token from the first of two issuers',
    app: twoIssuers,
    token: { claims: { sub: 'from-main' } },
    expect: { status: 200, body: { sub: 'from-main' } },
  },
  {
    name: 'accepts a token from the second issuer, checked against its own audience',
    app: twoIssuers,
    issuer: 'other',
    token: { claims: { sub: 'from-other' } },
    expect: { status: 200, body: { sub: 'from-other' } },
  },
  {
    name: "refuses the second issuer's token carrying the first issuer's audience",
    app: twoIssuers,
    issuer: 'other',
    token: { claims: { aud: 'https://api.example.test' } },
    expect: { status: 401, reason: 'wrong_audience' },
  },
  {
    name: "refuses a token that names the second issuer but is signed with the first one's key",
    app: twoIssuers,
    token: ({ other }) => ({
      claims: { iss: other.url, aud: other.audience },
      mint: { alg: 'RS256' },
    }),
    expect: { status: 401, reason: 'unknown_key' },
  },
  {
    name: 'refuses an issuer that is neither',
    app: twoIssuers,
    token: { claims: { iss: 'https://stranger.example' } },
    expect: { status: 401, reason: 'wrong_issuer' },
  },
]
