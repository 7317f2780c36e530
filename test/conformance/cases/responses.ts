/** How answers are worded and marked: realm, hidden reasons, 503s and cache headers. */
import type { Case } from '../case.js'
import { BARE } from './extraction.js'

export const responseCases: Case[] = [
  {
    name: 'marks an authenticated response private and varying on Authorization',
    expect: {
      status: 200,
      headers: {
        vary: 'Authorization',
        'cache-control': 'private',
        'content-type': 'application/json; charset=utf-8',
      },
    },
  },
  {
    name: 'uses the configured realm',
    app: { realm: 'orders' },
    token: null,
    expect: { status: 401, reason: 'missing_token', challenge: BARE.replace('"api"', '"orders"') },
  },
  {
    name: 'hides the reason of a token failure',
    app: { reasons: 'hide' },
    token: { claims: { exp: '-1m' } },
    expect: {
      status: 401,
      challenge:
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      body: { error: 'invalid_token', error_description: 'The access token is invalid' },
      headers: { 'auth-reason': undefined },
    },
  },
  {
    name: 'hides the reason of a bad signature the same way',
    app: { reasons: 'hide' },
    token: { mint: { signature: 'corrupt' } },
    expect: {
      status: 401,
      body: { error: 'invalid_token', error_description: 'The access token is invalid' },
    },
  },
  {
    name: 'keeps the required scope in a hidden insufficient_scope answer',
    app: { reasons: 'hide' },
    route: { scope: 'orders:write' },
    expect: {
      status: 403,
      challenge:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant access to this resource", scope="orders:write"',
    },
  },
  {
    name: 'answers 503 keys_unavailable with Retry-After when the key server is down',
    issuer: 'down',
    expect: {
      status: 503,
      reason: 'keys_unavailable',
      headers: { 'retry-after': /^\d+$/, 'www-authenticate': undefined },
    },
  },
]
