/**
 * Route policies: validated and compiled once, when a route is defined, into staged checks.
 * A gate runs the app-level checks and its route's, ordered by stage: what is wrong with the
 * token (401) before what it may not do (403), and the use count last, so a use is only counted
 * once every other check passed. Within one request a check that passed is never run again.
 */
import { parseDuration } from '../duration.js'
import { invalidOption } from '../errors.js'
import { refuse } from '../decision.js'
import type { AuthInfo, Refusal, RequestInput } from '../decision.js'
import { checkKnownKeys } from '../known-keys.js'
import type { Reason } from '../reasons.js'
import { isPromiseLike, andThen } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'
import { StoreUnavailable } from '../store/store.js'
import type { Store } from '../store/store.js'
import { checkAudience } from './audience.js'
import { stringList } from '../string-list.js'
import { bindUrlOption, checkBoundUrl } from './bind-url.js'
import { checkClaims, claimRules } from './claims.js'
import type { ClaimRuleOption } from './claims.js'
import { checkMaxAge } from './max-age.js'
import { checkMaxUses, maxUsesOption } from './max-uses.js'
import { checkRevoked } from './revocation.js'
import { checkAnyScope, checkScope, scopeList } from './scope.js'
import { acrOption, checkStepUp } from './step-up.js'
import { DEFAULT_DPOP, dpopOption } from '../dpop/options.js'
import type { DpopConfig, DpopOption } from '../dpop/options.js'

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
  /** The token is accepted at most this many times (counted per `jti`, else per token, in the store). */
  maxUses?: number
  /** The token's `url` (or `url_sha256`) claim, or the claim named, must match the request path. */
  bindUrl?: boolean | { claim?: string }
  /** Consult revocations (default `true`); `false` skips the check in this route's gate. */
  checkRevocation?: boolean
  /** Each named claim must equal the JSON value given, or satisfy the predicate. */
  claims?: Record<string, ClaimRuleOption>
  /** Step-up (RFC 9470): the token's `acr` must be one of these. */
  acr?: string[]
  /** Step-up (RFC 9470): `now - auth_time` must not exceed this. */
  maxAuthAge?: number | string
  /** DPoP (RFC 9449) on this route; replaces the app-level value (default `'allowed'`). */
  dpop?: DpopOption
}

/** Everything a check may look at. `now` is in seconds since the epoch. */
export interface PolicyContext {
  readonly auth: AuthInfo
  readonly input: RequestInput
  readonly now: number
  /** The clock tolerance, in seconds. */
  readonly tolerance: number
  readonly store: Store
  /** This token's use count with this request included; counted at most once per request. */
  uses(): MaybePromise<number>
  /** The access token as sent. */
  readonly token: string
  /** The request's `DPoP` proof when it used the DPoP scheme, else `undefined`. */
  readonly proof: string | undefined
  /** The request's URI, as a proof's `htu` must name it (dpop/htu.ts `requestUri`). */
  requestUri(): string | undefined | 'malformed_header'
  /** A proof's use count with this request included; counted at most once per request. */
  proofUse(key: string, expiresAt: number): MaybePromise<number>
  /** Records the accepted proof's key, and a nonce to send on the response when it rotates. */
  proofAccepted(jkt: string, nonce: string | undefined): void
}

/** One compiled check: a refusal, or `undefined` to let the request through. */
export interface PolicyCheck {
  readonly stage: number
  readonly run: (context: PolicyContext) => MaybePromise<Refusal | undefined>
}

/** A compiled policy. */
export interface PolicyConfig {
  readonly checks: readonly PolicyCheck[]
  /** `checkRevocation` as given, `undefined` when the policy does not say. */
  readonly checkRevocation: boolean | undefined
  /** `dpop` as given, `undefined` when the policy does not say. */
  readonly dpop: DpopConfig | false | undefined
  /** The scopes `scope` and `anyScope` name, for the `scope` hint of a 401 (RFC 9728 §5.1). */
  readonly scopes: readonly string[]
}

/** The names `RoutePolicy` accepts. */
export const POLICY_KEYS = [
  'audience',
  'scope',
  'anyScope',
  'maxAge',
  'maxUses',
  'bindUrl',
  'checkRevocation',
  'claims',
  'acr',
  'maxAuthAge',
  'dpop',
] as const

const STAGE = {
  audience: 10,
  claims: 20,
  maxAge: 30,
  revocation: 40,
  stepUp: 50,
  scope: 60,
  bindUrl: 70,
  maxUses: 90,
}

/** The revocation check, one object for every gate so a request consults the store once. */
const REVOCATION_CHECK: PolicyCheck = {
  stage: STAGE.revocation,
  run: ({ auth, store }) => andThen(checkRevoked(auth.payload, store), refusal),
}

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
  const scopes: string[] = []
  const add = (stage: number, run: PolicyCheck['run']) => checks.push({ stage, run })
  if (policy.audience !== undefined) {
    const accepted = stringList(policy.audience, name('audience'))
    add(STAGE.audience, ({ auth }) => refusal(checkAudience(auth.payload, accepted)))
  }
  if (policy.claims !== undefined) {
    const rules = claimRules(policy.claims, name('claims'))
    add(STAGE.claims, ({ auth }) => refusal(checkClaims(auth.payload, rules)))
  }
  if (policy.maxAge !== undefined) {
    const maxAge = parseDuration(policy.maxAge, name('maxAge'))
    add(STAGE.maxAge, ({ auth, now }) => refusal(checkMaxAge(auth.payload, maxAge, now)))
  }
  if (policy.acr !== undefined || policy.maxAuthAge !== undefined) {
    const acr = policy.acr === undefined ? undefined : acrOption(policy.acr, name('acr'))
    const maxAge =
      policy.maxAuthAge === undefined
        ? undefined
        : parseDuration(policy.maxAuthAge, name('maxAuthAge'))
    add(STAGE.stepUp, ({ auth, now, tolerance }) =>
      refusal(checkStepUp(auth.payload, acr, maxAge, now, tolerance), { acrValues: acr, maxAge }),
    )
  }
  if (policy.scope !== undefined) {
    const scope = scopeList(policy.scope, name('scope'))
    scopes.push(...scope)
    add(STAGE.scope, ({ auth }) => refusal(checkScope(auth.payload, scope), { scope }))
  }
  if (policy.anyScope !== undefined) {
    if (!Array.isArray(policy.anyScope))
      invalidOption(name('anyScope'), 'must be a non-empty array of scopes')
    const scope = scopeList(policy.anyScope, name('anyScope'))
    scopes.push(...scope)
    add(STAGE.scope, ({ auth }) => refusal(checkAnyScope(auth.payload, scope), { scope }))
  }
  if (policy.bindUrl !== undefined) {
    const claim = bindUrlOption(policy.bindUrl, name('bindUrl'))
    if (claim)
      add(STAGE.bindUrl, ({ auth, input }) =>
        refusal(checkBoundUrl(auth.payload, input.url, claim)),
      )
  }
  if (policy.maxUses !== undefined) {
    const maxUses = maxUsesOption(policy.maxUses, name('maxUses'))
    add(STAGE.maxUses, (context) =>
      andThen(context.uses(), (count) => refusal(checkMaxUses(count, maxUses))),
    )
  }
  if (policy.checkRevocation !== undefined && typeof policy.checkRevocation !== 'boolean') {
    invalidOption(name('checkRevocation'), 'must be a boolean')
  }
  const dpop = policy.dpop === undefined ? undefined : dpopOption(policy.dpop, name('dpop'))
  return { checks, checkRevocation: policy.checkRevocation, dpop, scopes: [...new Set(scopes)] }
}

/** The DPoP rules of a gate: the route's `dpop`, else the app's, else DPoP allowed. */
export function gateDpop(app: PolicyConfig, route: PolicyConfig | undefined): DpopConfig | false {
  return route?.dpop ?? app.dpop ?? DEFAULT_DPOP
}

/**
 * The checks of one gate: the app-level ones and the route's, with the revocation check unless
 * the route (or, failing that, the app) turns it off, in stage order.
 */
export function gateChecks(app: PolicyConfig, route: PolicyConfig | undefined): PolicyCheck[] {
  const revocation = route?.checkRevocation ?? app.checkRevocation ?? true
  const checks = [
    ...app.checks,
    ...(route?.checks ?? []),
    ...(revocation ? [REVOCATION_CHECK] : []),
  ]
  return checks.sort((a, b) => a.stage - b.stage)
}

/**
 * Runs a gate's checks, skipping those that already passed for this request (`passed` is the
 * request's memory of them). Synchronous until a check has to wait (a remote store), so a
 * request that waits for nothing costs its framework no promise. A store that fails or times
 * out refuses with `store_unavailable`.
 */
export function evaluateChecks(
  checks: readonly PolicyCheck[],
  context: PolicyContext,
  passed: PolicyCheck[],
  from = 0,
): MaybePromise<Refusal | undefined> {
  for (let i = from; i < checks.length; i++) {
    const check = checks[i]!
    if (passed.includes(check)) continue
    let result: MaybePromise<Refusal | undefined>
    try {
      result = check.run(context)
    } catch (error) {
      return storeFailure(error)
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then((refused) => {
        if (refused) return refused
        passed.push(check)
        return evaluateChecks(checks, context, passed, i + 1)
      }, storeFailure)
    }
    if (result) return result
    passed.push(check)
  }
  return undefined
}

function storeFailure(error: unknown): Refusal {
  if (error instanceof StoreUnavailable) return refuse('store_unavailable', { retryAfter: 1 })
  throw error
}

function refusal(reason: Reason | undefined, details?: Omit<Refusal, 'ok' | 'reason'>) {
  return reason === undefined ? undefined : refuse(reason, details)
}
