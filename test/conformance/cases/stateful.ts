/** Use counts, URL binding, revocation, step-up and store failures, on every adapter. */
import { createHash } from 'node:crypto'
import type { Store } from '@bearer-guard/core'
import type { Case } from '../case.js'

const now = () => Math.floor(Date.now() / 1000)
const failing: Store = {
  countUse: () => Promise.reject(new Error('down')),
  revoke: () => Promise.reject(new Error('down')),
  isRevoked: () => Promise.reject(new Error('down')),
}
const mismatch = {
  status: 403,
  reason: 'url_mismatch' as const,
  challenge: /^Bearer realm="api", error="insufficient_scope", error_description="[^"]+"$/,
}

const bound = (
  name: string,
  url: string,
  path: string,
  expect: Case['expect'],
  mount: Case['mount'] = 'app',
): Case => ({
  name,
  app: { bindUrl: true },
  mount,
  token: { claims: { url } },
  send: { path },
  expect,
})

/** A token bound to one transfer, sent to a path that a router dispatches to transfer `id`. */
const transfer = (name: string, boundTo: string, path: string, expect: Case['expect']): Case => ({
  name,
  route: { bindUrl: true },
  token: { claims: { url: boundTo } },
  send: { method: 'POST', path },
  expect,
})

export const statefulCases: Case[] = [
  {
    name: 'accepts a maxUses: 2 token twice',
    route: { maxUses: 2 },
    repeat: 2,
    expect: { status: 200 },
  },
  {
    name: 'refuses a maxUses: 2 token the third time',
    route: { maxUses: 2 },
    repeat: 3,
    expect: { status: 401, reason: 'uses_exhausted', challenge: /error="invalid_token"/ },
  },
  {
    name: 'counts one use per request when app and route both set maxUses',
    app: { maxUses: 2 },
    route: { maxUses: 2 },
    mount: 'both',
    repeat: 2,
    expect: { status: 200 },
  },
  bound('accepts a token bound to the request path', '/orders', '/orders', { status: 200 }),
  bound('ignores the query string when binding', '/orders', '/orders?page=2', { status: 200 }),
  bound('refuses a trailing slash', '/orders', '/orders/', mismatch),
  bound('refuses a case change', '/orders', '/ORDERS', mismatch),
  bound('refuses a double slash', '/orders', '//orders', mismatch),
  bound('refuses an encoded slash', '/orders', '/orders%2Fadmin', mismatch),
  bound('refuses encoded dot segments', '/orders', '/orders/%2e%2e/admin', mismatch),
  bound('refuses dot segments', '/orders', '/orders/../admin', mismatch),
  bound(
    'binds the full path of a mounted router',
    '/shop/orders/7',
    '/shop/orders/7',
    { status: 200 },
    'route',
  ),
  bound(
    'refuses a path relative to a mounted router',
    '/orders/7',
    '/shop/orders/7',
    mismatch,
    'route',
  ),
  transfer(
    'approves the transfer a token is bound to',
    '/transfers/1/approve',
    '/transfers/1/approve',
    {
      status: 200,
      body: { id: '1' },
    },
  ),
  // Each path below runs transfer 2's handler in every router (a prefix match, a wildcard, or
  // Fastify's `;` delimiter), while removing dot segments would read it as transfer 1.
  ...[
    ['dot segments', '/transfers/2/approve/../../1/approve'],
    ['percent-encoded dot segments', '/transfers/2/approve/%2e%2e/%2E%2E/1/approve'],
    ['half-encoded dot segments', '/transfers/2/approve/.%2e/%2E./1/approve'],
    ['a single dot segment', '/transfers/2/approve/./../../1/approve'],
  ].map(([what, path]) =>
    transfer(
      `refuses ${what} that resolve to the bound transfer`,
      '/transfers/1/approve',
      path!,
      mismatch,
    ),
  ),
  // Fastify (useSemicolonDelimiter) routes this to transfer 1; Express and Koa find no route, so
  // the binding is app-level here, for the guard to decide before any router.
  {
    ...transfer(
      'refuses a semicolon, where Fastify ends the path',
      '/transfers/2/approve',
      '/transfers/1/approve;/../../2/approve',
      mismatch,
    ),
    route: undefined,
    app: { bindUrl: true },
    mount: 'app',
  },
  {
    ...transfer(
      'refuses a percent-encoded semicolon',
      '/transfers/1/approve',
      '/transfers/1/approve%3B',
      mismatch,
    ),
    route: undefined,
    app: { bindUrl: true },
    mount: 'app',
  },
  {
    name: 'refuses dot segments against url_sha256 too',
    route: { bindUrl: true },
    token: {
      claims: {
        url_sha256: createHash('sha256').update('/transfers/1/approve').digest('base64url'),
      },
    },
    send: { method: 'POST', path: '/transfers/2/approve/../../1/approve' },
    expect: mismatch,
  },
  {
    name: 'accepts url_sha256',
    app: { bindUrl: true },
    token: { claims: { url_sha256: createHash('sha256').update('/orders').digest('base64url') } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a bound route without a url claim',
    route: { bindUrl: true },
    expect: { status: 401, reason: 'missing_claim' },
  },
  {
    name: 'refuses a token revoked by jti',
    setup: (guard) => guard.revoke({ jti: 'revoked-jti' }),
    token: { claims: { jti: 'revoked-jti' } },
    expect: { status: 401, reason: 'revoked', challenge: /error="invalid_token"/ },
  },
  {
    name: "refuses a subject's token issued before the watermark",
    setup: (guard) => guard.revoke({ sub: 'mallory', before: now() }),
    token: { claims: { sub: 'mallory', iat: '-1m' } },
    expect: { status: 401, reason: 'revoked' },
  },
  {
    name: 'refuses every token issued before a global watermark',
    setup: (guard) => guard.revoke({ before: now() }),
    token: { claims: { iat: '-1m' } },
    expect: { status: 401, reason: 'revoked' },
  },
  {
    name: 'lets a route skip the revocation check',
    setup: (guard) => guard.revoke({ jti: 'revoked-jti' }),
    route: { checkRevocation: false },
    token: { claims: { jti: 'revoked-jti' } },
    expect: { status: 200 },
  },
  {
    name: 'asks for step-up with acr_values',
    route: { acr: ['mfa'] },
    token: { claims: { acr: 'pwd' } },
    expect: {
      status: 401,
      reason: 'step_up_required',
      challenge:
        /^Bearer realm="api", error="insufficient_user_authentication", error_description="[^"]+", acr_values="mfa"$/,
    },
  },
  {
    name: 'asks for step-up with max_age when auth_time is too old',
    route: { maxAuthAge: '10m' },
    token: { claims: { auth_time: '-1h' } },
    expect: { status: 401, reason: 'step_up_required', challenge: /, max_age=600$/ },
  },
  {
    name: 'grants a token meeting the step-up policy',
    route: { acr: ['mfa', 'phr'], maxAuthAge: 600 },
    token: { claims: { acr: 'phr', auth_time: '-1m' } },
    expect: { status: 200 },
  },
  {
    name: 'answers 503 store_unavailable with Retry-After when the store fails',
    app: { store: failing },
    expect: {
      status: 503,
      reason: 'store_unavailable',
      headers: { 'retry-after': '1', 'www-authenticate': undefined },
    },
  },
]
