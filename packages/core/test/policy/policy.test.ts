import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer } from '@bearer-guard/testing'
import type { LocalIssuer } from '@bearer-guard/testing'
import { BearerGuardError } from '../../src/errors.js'
import type { Guard } from '../../src/guard.js'
import type { GuardOptions } from '../../src/options.js'
import type { RoutePolicy } from '../../src/policy/policy.js'
import { decide, outcome, localGuard } from '../helpers.js'

let issuer: LocalIssuer
let guard: Guard
const make = (options: Partial<GuardOptions> = {}) => localGuard(issuer, options)

beforeAll(async () => {
  issuer = await createIssuer({ algorithms: ['ES256'] })
  guard = make()
})
afterAll(() => issuer.close())

const cases: {
  name: string
  policy: RoutePolicy
  claims?: Record<string, unknown>
  expect: string
}[] = [
  {
    name: 'grants a token holding the scope',
    policy: { scope: 'orders:read' },
    claims: { scope: 'orders:read profile' },
    expect: 'ok',
  },
  {
    name: 'refuses a token without the scope',
    policy: { scope: 'orders:read' },
    claims: { scope: 'profile' },
    expect: 'insufficient_scope',
  },
  {
    name: 'refuses a token without any scope claim',
    policy: { scope: 'orders:read' },
    expect: 'insufficient_scope',
  },
  {
    name: 'requires every scope of a list',
    policy: { scope: ['a', 'b'] },
    claims: { scp: ['a'] },
    expect: 'insufficient_scope',
  },
  {
    name: 'reads permissions (Auth0 style)',
    policy: { scope: 'read:orders' },
    claims: { permissions: ['read:orders'] },
    expect: 'ok',
  },
  {
    name: 'grants anyScope with one of them',
    policy: { anyScope: ['admin', 'orders:read'] },
    claims: { scope: 'orders:read' },
    expect: 'ok',
  },
  {
    name: 'refuses anyScope with none of them',
    policy: { anyScope: ['admin', 'orders:read'] },
    claims: { scope: 'x' },
    expect: 'insufficient_scope',
  },
  {
    name: 'grants a route audience the token names',
    policy: { audience: 'https://admin.example' },
    claims: { aud: ['https://api.example.test', 'https://admin.example'] },
    expect: 'ok',
  },
  {
    name: 'refuses a route audience the token lacks',
    policy: { audience: 'https://admin.example' },
    expect: 'wrong_audience',
  },
  {
    name: 'grants a claim of the expected value',
    policy: { claims: { tenant: 'acme' } },
    claims: { tenant: 'acme' },
    expect: 'ok',
  },
  {
    name: 'refuses a claim of another value',
    policy: { claims: { tenant: 'acme' } },
    claims: { tenant: 'evil' },
    expect: 'claim_mismatch',
  },
  {
    name: 'refuses a claim of another type',
    policy: { claims: { level: 2 } },
    claims: { level: '2' },
    expect: 'claim_mismatch',
  },
  {
    name: 'refuses a missing claim',
    policy: { claims: { tenant: 'acme' } },
    expect: 'missing_claim',
  },
  {
    name: 'compares arrays and objects deeply',
    policy: { claims: { org: { id: 1, roles: ['a'] } } },
    claims: { org: { id: 1, roles: ['a'] } },
    expect: 'ok',
  },
  {
    name: 'refuses a deep difference',
    policy: { claims: { org: { id: 1, roles: ['a'] } } },
    claims: { org: { id: 1, roles: ['a', 'b'] } },
    expect: 'claim_mismatch',
  },
  {
    name: 'matches a null expected value',
    policy: { claims: { deleted_at: null } },
    claims: { deleted_at: null },
    expect: 'ok',
  },
  {
    name: 'grants a predicate returning true',
    policy: { claims: { roles: (v: unknown) => Array.isArray(v) && v.includes('admin') } },
    claims: { roles: ['admin'] },
    expect: 'ok',
  },
  {
    name: 'refuses a predicate returning false',
    policy: { claims: { roles: (v: unknown) => Array.isArray(v) && v.includes('admin') } },
    claims: { roles: ['user'] },
    expect: 'claim_mismatch',
  },
  {
    name: 'refuses a predicate returning a truthy non-boolean',
    policy: { claims: { roles: ((v: unknown) => v) as (v: unknown) => boolean } },
    claims: { roles: ['user'] },
    expect: 'claim_mismatch',
  },
  {
    name: 'refuses when a predicate throws',
    policy: {
      claims: {
        roles: () => {
          throw new Error('boom')
        },
      },
    },
    claims: { roles: [] },
    expect: 'claim_mismatch',
  },
  {
    name: 'does not call a predicate for a missing claim',
    policy: { claims: { roles: () => true } },
    expect: 'missing_claim',
  },
  {
    name: 'grants a token younger than maxAge',
    policy: { maxAge: '5m' },
    claims: { iat: '-1m' },
    expect: 'ok',
  },
  {
    name: 'refuses a token older than maxAge',
    policy: { maxAge: 300 },
    claims: { iat: '-10m' },
    expect: 'too_old',
  },
  {
    name: 'refuses maxAge without iat',
    policy: { maxAge: '5m' },
    claims: { iat: undefined },
    expect: 'missing_claim',
  },
  // present but of the wrong type: the check's own reason, never missing_claim
  {
    name: 'refuses a route audience with an aud of the wrong type as wrong_audience',
    policy: { audience: 'https://admin.example.com' },
    claims: { aud: ['https://api.example.test', 5] },
    expect: 'wrong_audience',
  },
  {
    name: 'refuses maxAge with a non-numeric iat as issued_in_future (the iat check)',
    policy: { maxAge: '5m' },
    claims: { iat: [1] },
    expect: 'issued_in_future',
  },
  {
    name: 'refuses a rule on a claim that is present but null as claim_mismatch',
    policy: { claims: { tenant: 'acme' } },
    claims: { tenant: null },
    expect: 'claim_mismatch',
  },
  {
    name: 'refuses a scope claim of the wrong type as insufficient_scope',
    policy: { scope: 'orders:read' },
    claims: { scope: 42, scp: { 'orders:read': true } },
    expect: 'insufficient_scope',
  },
  {
    name: 'refuses an acr of the wrong type as step_up_required',
    policy: { acr: ['mfa'] },
    claims: { acr: ['mfa'] },
    expect: 'step_up_required',
  },
  {
    name: 'refuses an auth_time of the wrong type as step_up_required',
    policy: { maxAuthAge: '10m' },
    claims: { auth_time: [1] },
    expect: 'step_up_required',
  },
  {
    name: 'refuses a bound url of the wrong type as url_mismatch',
    policy: { bindUrl: true },
    claims: { url: 5 },
    expect: 'url_mismatch',
  },
  {
    name: 'reports a token problem (401) before a rights problem (403)',
    policy: { scope: 'admin', maxAge: 60 },
    claims: { iat: '-10m' },
    expect: 'too_old',
  },
]

describe('route policies', () => {
  it.each(cases)('$name', async (c) => {
    expect(await outcome(decide(guard, await issuer.mint(c.claims), c.policy))).toBe(c.expect)
  })

  it('carries the required scopes on an insufficient_scope refusal', async () => {
    const decision = await decide(guard, await issuer.mint({ scope: 'x' }), {
      scope: 'orders:read orders:write',
    })
    expect(decision).toMatchObject({
      ok: false,
      reason: 'insufficient_scope',
      scope: ['orders:read', 'orders:write'],
    })
  })

  it('applies an app-level policy on every route, and a route policy on top', async () => {
    const appScoped = make({ scope: 'api' })
    const read = await issuer.mint({ scope: 'orders:read' })
    const both = await issuer.mint({ scope: 'api orders:read' })
    expect(await outcome(decide(appScoped, read))).toBe('insufficient_scope')
    expect(await outcome(decide(appScoped, both))).toBe('ok')
    expect(await outcome(decide(appScoped, both, { scope: 'orders:write' }))).toBe(
      'insufficient_scope',
    )
  })

  it('refuses a bad route policy when the route is defined, naming the field', () => {
    expect(() => guard.route({ scope: '' })).toThrow(BearerGuardError)
    expect(() => guard.route({ scope: '' })).toThrow(/"policy\.scope"/)
    expect(() => guard.route({ maxAge: 'later' })).toThrow(/"policy\.maxAge"/)
    expect(() => guard.route({ scopes: 'a' } as RoutePolicy)).toThrow(
      /"policy\.scopes".*did you mean "scope"/,
    )
    expect(() => guard.route('orders:read' as RoutePolicy)).toThrow(/"policy"/)
  })
})
