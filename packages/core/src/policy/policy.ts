/**
 * Route policies: validated and compiled once, when a route is defined, into a list of checks
 * that run on every request. Checks are ordered so that what is wrong with the token (401) is
 * reported before what the token is not allowed to do (403).
 */
import { parseDuration } from '../duration.js'
import { invalidOption } from '../errors.js'
import { refuse } from '../decision.js'
import { checkKnownKeys } from '../known-keys.js'
import type { AuthInfo, Refusal, RequestInput } from '../decision.js'
import { audienceList, checkAudience } from './audience.js'
import { checkClaims, claimRules } from './claims.js'
import type { ClaimRuleOption } from './claims.js'
import { checkMaxAge } from './max-age.js'
import { checkAnyScope, checkScope, scopeList } from './scope.js'

/** What a route may require on top of the app-level options. Durations: seconds or `'5m'`. */
export interface RoutePolicy {
  /** The token's `aud` must contain one of these (in addition to the app-level audience). */
  audience?: string | string[]
  /** Every one of these scopes (space-separated string or array), from `scope`, `scp` or `permissions`. */
  scope?: string | string[]
  /** At least one of these scopes. */
  anyScope?: string[]
  /** `now - iat` must not exceed this; the token must carry `iat`. */
  maxAge?: number | string
  /** Each named claim must equal the JSON value given, or satisfy the predicate. */
  claims?: Record<string, ClaimRuleOption>
}

/** Everything a check may look at. `now` is in seconds since the epoch. */
export interface PolicyContext {
  readonly auth: AuthInfo
  readonly input: RequestInput
  readonly now: number
}

/** One compiled check: a refusal, or `undefined` to let the request through. */
export type PolicyCheck = (
  context: PolicyContext,
) => Refusal | undefined | Promise<Refusal | undefined>

/** A compiled policy. */
export interface PolicyConfig {
  readonly checks: readonly PolicyCheck[]
}

/** The names `RoutePolicy` accepts, in the order their checks run. */
export const POLICY_KEYS = ['audience', 'claims', 'maxAge', 'scope', 'anyScope'] as const

/**
 * Validates a route policy and compiles it.
 *
 * @param option - where the policy came from, for error messages (`'policy'`, or `''` at app level)
 * @throws BearerGuardError naming the offending field
 */
export function compilePolicy(policy: RoutePolicy, option: string): PolicyConfig {
  const name = (key: string) => (option ? `${option}.${key}` : key)
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    return invalidOption(option || 'options', 'must be an object')
  }
  checkKnownKeys(policy, POLICY_KEYS, option)
  const checks: PolicyCheck[] = []
  if (policy.audience !== undefined) {
    const accepted = audienceList(policy.audience, name('audience'))
    checks.push(({ auth }) => refusal(checkAudience(auth.payload, accepted)))
  }
  if (policy.claims !== undefined) {
    const rules = claimRules(policy.claims, name('claims'))
    checks.push(({ auth }) => refusal(checkClaims(auth.payload, rules)))
  }
  if (policy.maxAge !== undefined) {
    const maxAge = parseDuration(policy.maxAge, name('maxAge'))
    checks.push(({ auth, now }) => refusal(checkMaxAge(auth.payload, maxAge, now)))
  }
  if (policy.scope !== undefined) {
    const scope = scopeList(policy.scope, name('scope'))
    checks.push(({ auth }) => refusal(checkScope(auth.payload, scope), { scope }))
  }
  if (policy.anyScope !== undefined) {
    if (!Array.isArray(policy.anyScope))
      invalidOption(name('anyScope'), 'must be a non-empty array of scopes')
    const scope = scopeList(policy.anyScope, name('anyScope'))
    checks.push(({ auth }) => refusal(checkAnyScope(auth.payload, scope), { scope }))
  }
  return { checks }
}

/** Runs a compiled policy; the first failing check decides. */
export async function evaluatePolicy(
  policy: PolicyConfig,
  context: PolicyContext,
): Promise<Refusal | undefined> {
  for (const check of policy.checks) {
    const result = await check(context)
    if (result) return result
  }
  return undefined
}

function refusal(
  reason: Parameters<typeof refuse>[0] | undefined,
  details?: { scope: readonly string[] },
) {
  return reason === undefined ? undefined : refuse(reason, details)
}
