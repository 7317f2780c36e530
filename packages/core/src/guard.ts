/**
 * The guard: built once from the options, it turns a neutral request into a decision. Adapters
 * call `guard.route(policy)` once per route and the returned check once per request.
 */
import { PREFLIGHT, refuse } from './decision.js'
import type { AuthInfo, Decision, Preflight, Refusal, RequestInput } from './decision.js'
import { andThen, isPromiseLike } from './maybe.js'
import type { MaybePromise } from './maybe.js'
import { extractBearer, isPreflight } from './extract/bearer.js'
import { hasBodyToken } from './extract/body.js'
import { responder } from './http.js'
import type { HttpResponse } from './http.js'
import { guardConfig } from './options.js'
import type { GuardConfig, GuardOptions } from './options.js'
import { useKey } from './policy/max-uses.js'
import { compilePolicy, evaluateChecks, gateChecks } from './policy/policy.js'
import type { PolicyCheck, PolicyContext, RoutePolicy } from './policy/policy.js'
import type { Store } from './store/store.js'
import { DEFAULT_RETENTION, storedRevocation } from './policy/revocation.js'
import type { Revocation } from './policy/revocation.js'
import { REASONS } from './reasons.js'
import { recall } from './verify/token-cache.js'
import type { CachedVerification } from './verify/token-cache.js'
import { verifyToken } from './verify/verify-token.js'

/**
 * Checks one request against the app-level options and one route's policy. The decision is
 * returned directly when nothing had to be waited for (a repeated token, a refusal found
 * without a key), else as a promise; adapters handle both, so the fast path costs their
 * framework no promise.
 */
export type RouteCheck = (input: RequestInput) => MaybePromise<Decision>

/** A guard built from `GuardOptions`. */
export interface Guard {
  readonly config: GuardConfig
  /**
   * Compiles a route policy (throwing a `BearerGuardError` for a bad one, at route definition)
   * and returns the per-request check.
   */
  route(policy?: RoutePolicy): RouteCheck
  /** Renders a refusal, or a preflight's 204, as the response every adapter sends. */
  respond(answer: Refusal | Preflight): HttpResponse
  /**
   * For frameworks that parse the body only after authentication (Fastify): once the body is
   * parsed, refuses a request this guard accepted when its body carries a token too
   * (`token_in_body`), reporting the refusal like any other; `undefined` lets it go on.
   */
  checkBody(input: RequestInput): Refusal | undefined
  /**
   * Revokes one token (`{ jti, iss?, exp? }`), every token of a subject issued before a time
   * (`{ sub, iss?, before? }`, default now), or every token issued before a time
   * (`{ iss?, before }`); `iss` limits it to one configured issuer's tokens. Rejects when the
   * store cannot record it.
   *
   * @example await auth.guard.revoke({ sub: 'user-1' })
   */
  revoke(revocation: Revocation): Promise<void>
}

/** What one request carries from gate to gate. */
interface RequestState {
  authentication: MaybePromise<Authentication>
  /** Checks that already passed for this request (an array: a request passes few). */
  readonly passed: PolicyCheck[]
  uses?: MaybePromise<number>
}

/** What the checks of one gate see; `uses()` counts a use at most once per request. */
class GateContext implements PolicyContext {
  readonly store: Store
  constructor(
    private readonly config: GuardConfig,
    readonly input: RequestInput,
    private readonly state: RequestState,
    readonly auth: AuthInfo,
    private readonly token: string,
    readonly now: number,
  ) {
    this.store = config.store
  }

  get tolerance(): number {
    return this.config.clockTolerance
  }

  uses(): MaybePromise<number> {
    const { payload } = this.auth
    return (this.state.uses ??= this.store.countUse(
      useKey(payload, this.token),
      payload.exp + this.config.clockTolerance,
    ))
  }
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
  // One authentication, and one run of each check, per underlying request. The state lives on
  // the request object under this guard's own symbol: a WeakMap entry per request would cost
  // the garbage collector far more (ephemerons), and the symbol keeps guards apart.
  const STATE = Symbol('bearer-guard request state')
  // One lookup in the token cache per request serves extraction and verification: credentials
  // the cache holds passed the grammar when first seen (extractBearer's `seen`), and the entry
  // found is handed to verification. `seen` keeps it here; `authenticate` takes it in the same
  // synchronous call, so no other request ever reads it.
  const cache = config.tokenCache
  let recalled: CachedVerification | undefined
  const seen =
    cache && ((credentials: string) => (recalled = recall(cache, credentials)) !== undefined)

  const authenticate = (input: RequestInput, now: number): MaybePromise<Authentication> => {
    recalled = undefined
    const extraction = extractBearer(input, seen)
    if ('reason' in extraction) return { decision: refuse(extraction.reason) }
    const { token } = extraction
    // Extraction looked the token up whenever the cache is on: null says it found nothing.
    const cached = cache && (recalled ?? null)
    recalled = undefined
    return andThen(verifyToken(token, config, now, cached), (verification) =>
      verification.ok
        ? { decision: verification, verified: verification.auth, token }
        : { decision: verification },
    )
  }

  const stateOf = (input: RequestInput, now: number): RequestState => {
    const raw = input.raw as { [STATE]?: RequestState } | undefined
    let state = raw?.[STATE]
    if (!state) {
      const authentication = authenticate(input, now)
      state = { authentication, passed: [] }
      // Once settled, later gates of the request read the value without another promise.
      if (isPromiseLike(authentication)) {
        const pending = state
        pending.authentication = Promise.resolve(authentication).then(
          (settled) => (pending.authentication = settled),
        )
      }
      if (raw) raw[STATE] = state
    }
    return state
  }

  const route = (policy?: RoutePolicy): RouteCheck => {
    const checks = gateChecks(
      config.policy,
      policy === undefined ? undefined : compilePolicy(policy, 'policy'),
    )
    // The gate proper, once the request is authenticated. No closure is made on the way when
    // nothing waits, so a repeated token costs no promise and little garbage.
    const gate = (
      input: RequestInput,
      state: RequestState,
      authentication: Authentication,
      started: number,
      now: number,
    ) => {
      const { decision, verified, token } = authentication
      if (!decision.ok || !verified || token === undefined)
        return report(config, input, authentication, started)
      const refusal = evaluateChecks(
        checks,
        new GateContext(config, input, state, verified, token, now),
        state.passed,
      )
      return isPromiseLike(refusal)
        ? Promise.resolve(refusal).then((refused) =>
            concluded(config, input, authentication, refused, started),
          )
        : concluded(config, input, authentication, refusal, started)
    }
    return (input) => {
      const started = config.onDecision ? performance.now() : 0
      if (isPreflight(input)) return report(config, input, { decision: PREFLIGHT }, started)
      const now = nowSeconds()
      const state = stateOf(input, now)
      const authentication = state.authentication
      // After a wait (a key fetch, the store), the gate's checks read the clock again.
      return isPromiseLike(authentication)
        ? Promise.resolve(authentication).then((settled) =>
            gate(input, state, settled, started, nowSeconds()),
          )
        : gate(input, state, authentication, started, now)
    }
  }

  const checkBody = (input: RequestInput): Refusal | undefined => {
    const state = (input.raw as { [STATE]?: RequestState } | undefined)?.[STATE]
    const authentication = state?.authentication
    if (!authentication || isPromiseLike(authentication) || !authentication.decision.ok) return
    if (!hasBodyToken(input.body)) return
    const refusal = refuse('token_in_body')
    report(config, input, { decision: refusal }, config.onDecision ? performance.now() : 0)
    return refusal
  }

  // A token older than maxTokenAge is refused anyway, so its revocation need not outlive that.
  const revocationConfig = {
    retention:
      config.maxTokenAge === undefined
        ? DEFAULT_RETENTION
        : config.maxTokenAge + config.clockTolerance,
    tolerance: config.clockTolerance,
    issuers: new Set(config.issuers.keys()),
  }
  const revoke = async (revocation: Revocation): Promise<void> => {
    await config.store.revoke(storedRevocation(revocation, revocationConfig, Date.now() / 1000))
  }

  return { config, route, respond: responder(config), checkBody, revoke }
}

/** Reports a gate whose token verified: refused by one of its checks, or accepted. */
function concluded(
  config: GuardConfig,
  input: RequestInput,
  authentication: Authentication,
  refusal: Refusal | undefined,
  started: number,
): Decision {
  const outcome = refusal
    ? { decision: refusal, verified: authentication.verified }
    : authentication
  return report(config, input, outcome, started)
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
    config.onDecision({
      outcome: decision.ok ? 'allow' : 'preflight' in decision ? 'preflight' : 'deny',
      ...(decision.ok
        ? {}
        : 'preflight' in decision
          ? { status: 204 }
          : { reason: decision.reason, status: REASONS[decision.reason].status }),
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
