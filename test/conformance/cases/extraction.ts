/** Where the credential is, and how it is written (RFC 6750 §2). */
import { ASYMMETRIC_ALGORITHMS } from '@bearer-guard/core'
import type { Case } from '../case.js'

/** The challenge of a request without credentials: Bearer first, then DPoP with its algorithms. */
export const BARE = `Bearer realm="api", DPoP algs="${ASYMMETRIC_ALGORITHMS.join(' ')}"`
const invalidRequest = /^Bearer realm="api", error="invalid_request", error_description="[^"]+"$/

export const extractionCases: Case[] = [
  {
    name: 'accepts a token in the Authorization header',
    expect: { status: 200, body: { sub: 'user-1' } },
  },
  {
    name: 'reads the scheme case-insensitively',
    send: { authorization: (token) => [`bEARER ${token}`] },
    expect: { status: 200 },
  },
  {
    name: 'answers a request without credentials with a bare challenge',
    token: null,
    expect: { status: 401, reason: 'missing_token', challenge: BARE },
  },
  {
    name: 'treats another scheme as no bearer credentials',
    send: { authorization: () => ['Basic dXNlcjpwYXNz'] },
    expect: { status: 401, reason: 'missing_token', challenge: BARE },
  },
  {
    name: 'refuses a header with a space inside the token',
    send: { authorization: (token) => [`Bearer ${token} extra`] },
    expect: { status: 400, reason: 'malformed_header', challenge: invalidRequest },
  },
  {
    name: 'refuses the scheme without a token',
    send: { authorization: () => ['Bearer'] },
    expect: { status: 400, reason: 'malformed_header', challenge: invalidRequest },
  },
  {
    name: 'refuses two Authorization headers',
    send: { authorization: (token) => [`Bearer ${token}`, `Bearer ${token}`] },
    expect: { status: 400, reason: 'multiple_tokens', challenge: invalidRequest },
  },
  {
    name: 'refuses two credentials folded into one header',
    send: { authorization: (token) => [`Bearer ${token}, Bearer ${token}`] },
    expect: { status: 400, reason: 'multiple_tokens' },
  },
  {
    name: 'refuses a token over 8 KiB before parsing it',
    send: { authorization: () => [`Bearer ${'a'.repeat(8193)}`] },
    expect: { status: 400, reason: 'token_too_large', challenge: invalidRequest },
  },
  {
    name: 'refuses a token in the query string',
    send: { authorization: () => [], query: (token) => `access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query', challenge: invalidRequest },
  },
  {
    name: 'refuses a token in the query string beside a valid header token',
    send: { query: (token) => `page=2&access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query' },
  },
  // Fastify with useSemicolonDelimiter reads what follows a `;` as the query; any router hands
  // a `;` segment to a route parameter. On the app, the guard decides before any routing.
  {
    name: 'refuses a token in a `;` path parameter',
    mount: 'app',
    send: { path: (token) => `/orders;access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query' },
  },
  {
    name: 'refuses a token in a later `;` path parameter',
    mount: 'app',
    send: { path: (token) => `/orders;page=2;access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query' },
  },
  {
    name: 'refuses a token in a form body without a header',
    send: { authorization: () => [], form: (token) => ({ access_token: token }) },
    expect: { status: 400, reason: 'token_in_body', challenge: invalidRequest },
    differs: {
      adapter: 'fastify',
      expect: { status: 401, reason: 'missing_token', challenge: BARE },
      why: 'Fastify decides in onRequest, before it parses a body for a request with no token',
    },
  },
  {
    name: 'refuses a token in a form body beside a valid header token',
    send: { form: (token) => ({ item: 'tea', access_token: token }) },
    expect: { status: 400, reason: 'token_in_body' },
  },
  {
    name: 'refuses a token in a JSON body',
    send: { json: (token) => ({ access_token: token }) },
    expect: { status: 400, reason: 'token_in_body' },
  },
  {
    name: 'ignores a token in a GET body, which Fastify never parses',
    send: { method: 'GET', form: (token) => ({ access_token: token }) },
    expect: { status: 200, body: { sub: 'user-1' } },
  },
  {
    name: 'refuses a token in a form body sent with a mixed-case media type',
    send: {
      form: (token) => ({ access_token: token }),
      headers: [['Content-Type', 'Application/X-WWW-Form-Urlencoded']],
    },
    expect: { status: 400, reason: 'token_in_body' },
  },
  {
    name: 'accepts a body without a token',
    send: { form: () => ({ item: 'tea' }) },
    expect: { status: 200, body: { sub: 'user-1' } },
  },
  ...preflightCases(),
  {
    name: 'refuses a plain OPTIONS request without credentials on a guarded app',
    mount: 'app',
    token: null,
    send: { method: 'OPTIONS' },
    expect: { status: 401, reason: 'missing_token' },
  },
  {
    name: 'reads the full path of a mounted router: a query token is refused',
    send: { path: '/shop/orders/7', query: (token) => `access_token=${token}` },
    expect: { status: 400, reason: 'token_in_query' },
  },
  {
    name: 'guards a route of a mounted router',
    send: { path: '/shop/orders/7' },
    expect: { status: 200, body: { sub: 'user-1' } },
  },
]

/** CORS preflights: the guard ends them itself, unless a CORS middleware before it did. */
function preflightCases(): Case[] {
  const preflight = (path = '/orders'): Case['send'] => ({
    method: 'OPTIONS',
    path,
    headers: [
      ['Origin', 'https://app.example'],
      ['Access-Control-Request-Method', 'DELETE'],
    ],
  })
  const ended = {
    status: 204,
    body: '',
    headers: {
      'access-control-allow-methods': undefined,
      'access-control-allow-origin': undefined,
      'www-authenticate': undefined,
    },
  }
  return [
    {
      name: 'ends a CORS preflight itself with 204 and no CORS headers, when the app guards everything',
      mount: 'app',
      token: null,
      send: preflight(),
      expect: ended,
    },
    ...(['app', 'route', 'both'] as const).map((mount): Case => ({
      name: `never runs a handler that answers every method for a preflight with a forged token (guard on ${mount})`,
      mount,
      token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl',
      send: preflight('/any'),
      expect: ended,
    })),
    {
      name: 'lets a CORS middleware mounted before the guard answer a preflight as before',
      mount: 'app',
      cors: true,
      token: null,
      send: preflight('/any'),
      expect: {
        status: 204,
        headers: {
          'access-control-allow-methods': 'GET, POST, DELETE',
          'www-authenticate': undefined,
        },
      },
    },
    {
      name: 'guards a handler that answers every method against a plain OPTIONS request',
      token: null,
      send: { method: 'OPTIONS', path: '/any' },
      expect: { status: 401, reason: 'missing_token' },
    },
    {
      name: 'runs a handler that answers every method for a valid token',
      send: { path: '/any' },
      expect: { status: 200, body: { sub: 'user-1', method: 'GET' } },
    },
  ]
}
