/**
 * The guard: built once from the options, it turns a neutral request into a decision. Adapters
 * call `guard.route(policy)` once per route and the returned check once per request.
 */
import { refuse } from './decision.js'
import type { AuthInfo, Decision, Refusal, RequestInput } from './decision.js'
import { emitDecision } from './events.js'
import { extractBearer, isPreflight } from './extract/bearer.js'
import { toHttp } from './http.js'
import type { HttpResponse } from './http.js'
import { guardConfig } from './options.js'
import type { GuardConfig, GuardOptions } from './options.js'
import { useKey } from './policy/max-uses.js'
import { compilePolicy, evaluateChecks, gateChecks } from './policy/policy.js'
import type { PolicyCheck, RoutePolicy } from './policy/policy.js'
import { DEFAULT_RETENTION, storedRevocation } from './policy/revocation.js'
import type { Revocation } from './policy/revocation.js'
import { REASONS } from './reasons.js'
import { verifyToken } from './verify/verify-token.js'

/** Checks one request against the app-level options and one route's policy; never throws. */
export type RouteCheck = (input: RequestInput) => Promise<Decision>

/** A guard built from `GuardOptions`. */
export interface Guard {
  readonly config: GuardConfig
  /**
   * Compiles a route policy (throwing a `BearerGuardError` for a bad one, at route definition)
   * and returns the per-request check.
   */
  route(policy?: RoutePolicy): RouteCheck
  /** Renders a refusal as the response every adapter sends. */
  respond(refusal: Refusal): HttpResponse
  /**
   * Revokes one token (`{ jti, exp? }`), every token of a subject issued before a time
   * (`{ sub, before? }`, default now), or every token issued before a time (`{ before }`).
   * Rejects when the store cannot record it.
   *
   * @example await auth.guard.revoke({ sub: 'user-1' })
   */
  revoke(revocation: Revocation): Promise<void>
}

/** What one request carries from gate to gate. */
interface RequestState {
  readonly authentication: Promise<Authentication>
  /** Checks that already passed for this request. */
  readonly passed: Set<PolicyCheck>
  uses?: Promise<number>
}

/** A decision, with the token and its verified contents when its signature verified. */
interface Authentication {
  decision: Decision
  verified?: AuthInfo
  token?: string
}

/**
 * Builds a guard. Options are validated here: a bad one throws at construction, never later.
 *
 * @example
 * const guard = createGuard({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * const check = guard.route({ scope: 'orders:read' })
 * const decision = await check({ method: 'GET', url: '/orders', rawHeaders: req.rawHeaders, raw: req })
 */
export function createGuard(options: GuardOptions): Guard {
  const config = guardConfig(options)
  // One authentication, and one run of each check, per underlying request.
  const states = new WeakMap<object, RequestState>()

  const stateOf = (input: RequestInput): RequestState => {
    let state = input.raw && states.get(input.raw)
    if (!state) {
      state = { authentication: authenticate(input, config), passed: new Set() }
      if (input.raw) states.set(input.raw, state)
    }
    return state
  }

  const route = (policy?: RoutePolicy): RouteCheck => {
    const checks = gateChecks(
      config.policy,
      policy === undefined ? undefined : compilePolicy(policy, 'policy'),
    )
    return async (input) => {
      const started = performance.now()
      if (isPreflight(input)) return report(config, input, { decision: { ok: true } }, started)
      const state = stateOf(input)
      const authentication = await state.authentication
      const { decision, verified, token } = authentication
      if (!decision.ok || !verified || token === undefined)
        return report(config, input, authentication, started)
      const payload = verified.payload
      const refusal = await evaluateChecks(
        checks,
        {
          auth: verified,
          input,
          now: nowSeconds(),
          store: config.store,
          uses: () =>
            (state.uses ??= config.store.countUse(
              useKey(payload, token),
              payload.exp + config.clockTolerance,
            )),
        },
        state.passed,
      )
      return report(
        config,
        input,
        refusal ? { decision: refusal, verified } : authentication,
        started,
      )
    }
  }

  const revoke = async (revocation: Revocation): Promise<void> => {
    // A token older than maxTokenAge is refused anyway, so its revocation need not outlive that.
    const retention =
      config.maxTokenAge === undefined
        ? DEFAULT_RETENTION
        : config.maxTokenAge + config.clockTolerance
    await config.store.revoke(
      storedRevocation(
        revocation,
        { retention, tolerance: config.clockTolerance },
        Date.now() / 1000,
      ),
    )
  }

  return { config, route, respond: (refusal) => toHttp(refusal, config), revoke }
}

async function authenticate(input: RequestInput, config: GuardConfig): Promise<Authentication> {
  const extraction = extractBearer(input)
  if ('reason' in extraction) return { decision: refuse(extraction.reason) }
  const verification = await verifyToken(extraction.token, config, nowSeconds())
  if (!verification.ok) return { decision: verification }
  return { decision: verification, verified: verification.auth, token: extraction.token }
}

/** Emits the gate's `onDecision` event and returns its decision. */
function report(
  config: GuardConfig,
  input: RequestInput,
  { decision, verified }: Authentication,
  started: number,
): Decision {
  if (config.onDecision) {
    const payload = verified?.payload
    emitDecision(config.onDecision, {
      outcome: decision.ok ? (decision.auth ? 'allow' : 'pass') : 'deny',
      ...(decision.ok ? {} : { reason: decision.reason, status: REASONS[decision.reason].status }),
      method: input.method,
      route: input.route ?? pathOf(input.url),
      ...(payload && { iss: payload.iss, sub: payload.sub, jti: payload.jti }),
      durationMs: performance.now() - started,
    })
  }
  return decision
}

function pathOf(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
