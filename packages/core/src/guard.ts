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
import { compilePolicy, evaluatePolicy } from './policy/policy.js'
import type { PolicyConfig, RoutePolicy } from './policy/policy.js'
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
  // One authentication per underlying request, however many gates it passes.
  const authenticated = new WeakMap<object, Promise<Authentication>>()

  const authenticate = (input: RequestInput): Promise<Authentication> => {
    if (!input.raw) return authenticateOnce(input, config)
    let decision = authenticated.get(input.raw)
    if (!decision) {
      decision = authenticateOnce(input, config)
      authenticated.set(input.raw, decision)
    }
    return decision
  }

  const route = (policy?: RoutePolicy): RouteCheck => {
    const routePolicy = policy === undefined ? undefined : compilePolicy(policy, 'policy')
    return async (input) => {
      const started = performance.now()
      const outcome: Authentication = isPreflight(input)
        ? { decision: { ok: true } }
        : await decide(input, routePolicy)
      report(config, input, outcome, started)
      return outcome.decision
    }
  }

  const decide = async (
    input: RequestInput,
    routePolicy: PolicyConfig | undefined,
  ): Promise<Authentication> => {
    const outcome = await authenticate(input)
    const { decision, verified } = outcome
    if (!decision.ok || !verified || !routePolicy) return outcome
    const refusal = await evaluatePolicy(routePolicy, { auth: verified, input, now: nowSeconds() })
    return refusal ? { decision: refusal, verified } : outcome
  }

  return { config, route, respond: (refusal) => toHttp(refusal, config) }
}

/** A decision, with the token's verified contents when its signature verified. */
interface Authentication {
  decision: Decision
  verified?: AuthInfo
}

async function authenticateOnce(input: RequestInput, config: GuardConfig): Promise<Authentication> {
  const extraction = extractBearer(input)
  if ('reason' in extraction) return { decision: refuse(extraction.reason) }
  const now = nowSeconds()
  const verification = await verifyToken(extraction.token, config, now)
  if (!verification.ok) return { decision: verification }
  const verified = verification.auth
  const refusal = await evaluatePolicy(config.policy, { auth: verified, input, now })
  return { decision: refusal ?? verification, verified }
}

function report(
  config: GuardConfig,
  input: RequestInput,
  { decision, verified }: Authentication,
  started: number,
): void {
  if (!config.onDecision) return
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

function pathOf(url: string): string {
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
