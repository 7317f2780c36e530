/** Route policies, each on every adapter. */
import type { Case } from '../case.js'

const forbidden = (scope?: string) =>
  new RegExp(
    `^Bearer realm="api", error="insufficient_scope", error_description="[^"]+"${scope ? `, scope="${scope}"` : ''}$`,
  )

export const policyCases: Case[] = [
  {
    name: 'grants a token holding the scope',
    route: { scope: 'orders:read' },
    token: { claims: { scope: 'profile orders:read' } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a token without the scope, naming it in the challenge',
    route: { scope: 'orders:read' },
    token: { claims: { scope: 'profile' } },
    expect: { status: 403, reason: 'insufficient_scope', challenge: forbidden('orders:read') },
  },
  {
    name: 'requires every scope of a list',
    route: { scope: ['orders:read', 'orders:write'] },
    token: { claims: { scp: ['orders:read'] } },
    expect: {
      status: 403,
      reason: 'insufficient_scope',
      challenge: forbidden('orders:read orders:write'),
    },
  },
  {
    name: 'grants anyScope with one of them',
    route: { anyScope: ['admin', 'orders:read'] },
    token: { claims: { permissions: ['orders:read'] } },
    expect: { status: 200 },
  },
  {
    name: 'refuses anyScope with none of them',
    route: { anyScope: ['admin', 'orders:read'] },
    token: { claims: { scope: 'profile' } },
    expect: {
      status: 403,
      reason: 'insufficient_scope',
      challenge: forbidden('admin orders:read'),
    },
  },
  {
    name: 'grants a route audience the token names',
    route: { audience: 'https://admin.example' },
    token: { claims: { aud: ['https://api.example.test', 'https://admin.example'] } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a route audience the token lacks',
    route: { audience: 'https://admin.example' },
    expect: { status: 401, reason: 'wrong_audience' },
  },
  {
    name: 'grants a claim of the expected value',
    route: { claims: { tenant: 'acme' } },
    token: { claims: { tenant: 'acme' } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a claim of another value',
    route: { claims: { tenant: 'acme' } },
    token: { claims: { tenant: 'other' } },
    expect: { status: 401, reason: 'claim_mismatch' },
  },
  {
    name: 'refuses a missing claim',
    route: { claims: { tenant: 'acme' } },
    expect: { status: 401, reason: 'missing_claim' },
  },
  {
    name: 'grants a claim predicate returning true',
    route: { claims: { roles: (value) => Array.isArray(value) && value.includes('admin') } },
    token: { claims: { roles: ['user', 'admin'] } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a claim predicate returning false',
    route: { claims: { roles: (value) => Array.isArray(value) && value.includes('admin') } },
    token: { claims: { roles: ['user'] } },
    expect: { status: 401, reason: 'claim_mismatch' },
  },
  {
    name: 'grants a token younger than maxAge',
    route: { maxAge: '5m' },
    token: { claims: { iat: '-1m' } },
    expect: { status: 200 },
  },
  {
    name: 'refuses a token older than maxAge',
    route: { maxAge: '5m' },
    token: { claims: { iat: '-10m' } },
    expect: { status: 401, reason: 'too_old' },
  },
  {
    name: 'refuses maxAge without iat',
    route: { maxAge: 300 },
    token: { claims: { iat: undefined } },
    expect: { status: 401, reason: 'missing_claim' },
  },
  {
    name: 'applies an app-level scope on every route',
    app: { scope: 'api' },
    mount: 'app',
    token: { claims: { scope: 'orders:read' } },
    expect: { status: 403, reason: 'insufficient_scope', challenge: forbidden('api') },
  },
  {
    name: 'adds a route policy on top of the app-level one',
    app: { scope: 'api' },
    route: { scope: 'orders:write' },
    mount: 'both',
    token: { claims: { scope: 'api orders:read' } },
    expect: { status: 403, reason: 'insufficient_scope', challenge: forbidden('orders:write') },
  },
  {
    name: 'grants a token meeting both the app-level and the route policy',
    app: { scope: 'api' },
    route: { scope: 'orders:write' },
    mount: 'both',
    token: { claims: { scope: 'api orders:write', sub: 'both' } },
    expect: { status: 200, body: { sub: 'both' } },
  },
]
