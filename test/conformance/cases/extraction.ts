/** Where the credential is, and how it is written (RFC 6750 §2). */
import type { Case } from '../case.js'

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
    expect: { status: 401, reason: 'missing_token', challenge: 'Bearer realm="api"' },
  },
  {
    name: 'treats another scheme as no bearer credentials',
    send: { authorization: () => ['Basic dXNlcjpwYXNz'] },
    expect: { status: 401, reason: 'missing_token', challenge: 'Bearer realm="api"' },
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
  {
    name: 'refuses a token in a form body without a header',
    send: { authorization: () => [], form: (token) => ({ access_token: token }) },
    expect: { status: 400, reason: 'token_in_body', challenge: invalidRequest },
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
    name: 'accepts a body without a token',
    send: { form: () => ({ item: 'tea' }) },
    expect: { status: 200, body: { sub: 'user-1' } },
  },
  {
    name: 'lets a CORS preflight through to the app, even when the app guards everything',
    mount: 'app',
    token: null,
    send: {
      method: 'OPTIONS',
      headers: [
        ['Origin', 'https://app.example'],
        ['Access-Control-Request-Method', 'POST'],
      ],
    },
    expect: {
      status: 204,
      headers: { 'access-control-allow-methods': 'GET, POST', 'www-authenticate': undefined },
    },
  },
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
