/**
 * The guard: built once from the options, it turns a neutral request into a decision. Adapters
 * call `guard.route(policy)` once per route and the returned check once per request.
 */
import { authenticator } from './authenticate.js'
import type { Authenticate, Authentication } from './authenticate.js'
import { PREFLIGHT, refuse } from './decision.js'
import type { AuthInfo, Decision, Preflight, Refusal, RequestInput } from './decision.js'
import { isPreflight } from './extract/bearer.js'
import { bodyCarriesToken } from './extract/body.js'
import { targetPath } from './extract/target.js'
import { responder } from './http.js'
import type { HttpResponse } from './http.js'
import { isPromiseLike } from './maybe.js'
import type { MaybePromise } from './maybe.js'
import { guardConfig } from './options.js'
import type { GuardConfig, GuardOptions } from './options.js'
import { useKey } from './policy/max-uses.js'
import { compilePolicy, evaluateChecks, gateChecks, gateDpop } from './policy/policy.js'
import { requestUri } from './dpop/htu.js'
import type { DpopConfig } from './dpop/options.js'
import type { Scheme } from './extract/bearer.js'
import type { PolicyCheck, PolicyContext, RoutePolicy } from './policy/policy.js'
import { DEFAULT_RETENTION, storedRevocation } from './policy/revocation.js'
import type { Revocation } from './policy/revocation.js'
import { REASONS } from './reasons.js'
import type { Store } from './store/store.js'
import type { ResourceMetadata } from './resource-metadata.js'

/**
 * Checks one request against the app-level options and one route's policy. The decision is
 * returned directly when nothing had to be waited for (a repeated token, a refusal found
 * without a key), else as a promise; adapters handle both, so the fast path costs their
 * framework no promise.
 */
export type RouteCheck = (input: RequestInput) => MaybePromise<Decision>

/** A guard built from `GuardOptions`. */
export interface Guard {
  /**
   * The key under which the guard keeps a request's state on `RequestInput.raw`. Adapters for
   * frameworks that declare request properties up front (Fastify's `decorateRequest`) declare
   * it; others need not know it.
   */
  readonly stateKey: symbol
  /** Whether an `onDecision` handler is set: adapters then pass `route` in `RequestInput`. */
  readonly reportsDecisions: boolean
  /**
   * The RFC 9728 protected resource metadata document, with `resourceMetadata`: its path and
   * URL, and its answer to each method, which adapters serve unauthenticated.
   */
  readonly metadata: ResourceMetadata | undefined
  /**
   * The metadata document's answer when a request (`method`, `url` as received) asks for it,
   * else `undefined`: what an app-wide middleware checks before guarding anything.
   */
  metadataAnswer(method: string, url: string): HttpResponse | undefined
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
  proofUses?: MaybePromise<number>
  /** The accepted DPoP proof's key, and a rotated nonce for the response. */
  proof?: { jkt: string; nonce: string | undefined }
  /** The DPoP rules of the last gate that accepted the request, for a later body refusal. */
  dpop?: DpopConfig | false
}

/** What the checks of one gate see; `uses()` counts a use at most once per request. */
class GateContext implements PolicyContext {
  readonly store: Store
  constructor(
    private readonly config: GuardConfig,
    readonly input: RequestInput,
    private readonly state: RequestState,
    readonly auth: AuthInfo,
    readonly token: string,
    readonly proof: string | undefined,
    readonly now: number,
  ) {
    this.store = config.store
  }

  requestUri() {
    const { input } = this
    return requestUri(this.config.htuBase, input.url, input.rawHeaders, input.raw)
  }

  proofUse(key: string, expiresAt: number): MaybePromise<number> {
    return (this.state.proofUses ??= this.store.countUse(key, expiresAt))
  }

  proofAccepted(jkt: string, nonce: string | undefined): void {
    this.state.proof = { jkt, nonce }
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
  // The symbol keeps guards apart on one request. State on the request object itself rather
  // than in a WeakMap keyed by requests: a WeakMap entry per request costs the garbage
  // collector far more (ephemerons).
  const stateKey = Symbol('bearer-guard request state')
  const authenticate = authenticator(config)
  return {
    stateKey,
    reportsDecisions: config.onDecision !== undefined,
    metadata: config.metadata,
    metadataAnswer: (method, url) => {
      const { metadata } = config
      // The prefix first: every request of an app-wide guard comes this way.
      return metadata && url.startsWith(metadata.path) && targetPath(url) === metadata.path
        ? metadata.answer(method)
        : undefined
    },
    route: (policy) => routeCheck(config, policy, stateKey, authenticate),
    respond: responder(config),
    checkBody: (input) => bodyCheck(config, input, stateKey),
    revoke: revoker(config),
  }
}

type StateHolder = Record<symbol, RequestState | undefined>

/** The request's state: authenticated by the first gate it reaches, read by the others. */
function stateOf(
  input: RequestInput,
  stateKey: symbol,
  authenticate: Authenticate,
  now: number,
): RequestState {
  const raw = input.raw as StateHolder | undefined
  let state = raw?.[stateKey]
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
    if (raw) raw[stateKey] = state
  }
  return state
}

/** Compiles one route's policy (throwing for a bad one) into its per-request check. */
function routeCheck(
  config: GuardConfig,
  policy: RoutePolicy | undefined,
  stateKey: symbol,
  authenticate: Authenticate,
): RouteCheck {
  const compiled = policy === undefined ? undefined : compilePolicy(policy, 'policy')
  const dpop = gateDpop(config.policy, compiled)
  // A Bearer request has no proof to check: its gate skips the proof check altogether.
  const bearerChecks = gateChecks(config.policy, compiled)
  const checks = dpop ? [dpop.check, ...bearerChecks] : bearerChecks
  const scopeHint = config.metadata
    ? [...new Set([...config.policy.scopes, ...(compiled?.scopes ?? [])])]
    : []
  // The gate proper, once the request is authenticated. No closure is made on the way when
  // nothing waits, so a repeated token costs no promise and little garbage.
  const gate = (
    input: RequestInput,
    state: RequestState,
    authentication: Authentication,
    started: number,
    now: number,
  ) => {
    const { decision, verified, token, scheme } = authentication
    const schemeRefusal = refusedScheme(dpop, scheme)
    if (schemeRefusal)
      return report(
        config,
        input,
        { decision: answered(schemeRefusal, dpop, scheme, scopeHint) },
        started,
      )
    if (!decision.ok || !verified || token === undefined)
      return report(
        config,
        input,
        { ...authentication, decision: answered(decision, dpop, scheme, scopeHint) },
        started,
      )
    const refusal = evaluateChecks(
      scheme === 'dpop' ? checks : bearerChecks,
      new GateContext(config, input, state, verified, token, authentication.proof, now),
      state.passed,
    )
    return isPromiseLike(refusal)
      ? Promise.resolve(refusal).then((refused) =>
          concluded(config, input, state, authentication, refused, dpop, scopeHint, started),
        )
      : concluded(config, input, state, authentication, refusal, dpop, scopeHint, started)
  }
  return (input) => {
    const started = config.onDecision ? performance.now() : 0
    if (isPreflight(input)) return report(config, input, { decision: PREFLIGHT }, started)
    // A later gate of the request: a body parser may have run since the first one looked.
    const earlier = (input.raw as StateHolder | undefined)?.[stateKey]
    if (earlier) {
      const refusal = bodyRefusal(config, input, started, dpop, earlier)
      if (refusal) return refusal
    }
    const now = nowSeconds()
    const state = stateOf(input, stateKey, authenticate, now)
    const authentication = state.authentication
    // After a wait (a key fetch, the store), the gate's checks read the clock again.
    return isPromiseLike(authentication)
      ? Promise.resolve(authentication).then((settled) =>
          gate(input, state, settled, started, nowSeconds()),
        )
      : gate(input, state, authentication, started, now)
  }
}

/** Refuses an accepted request whose parsed body carries a token too. */
function bodyCheck(
  config: GuardConfig,
  input: RequestInput,
  stateKey: symbol,
): Refusal | undefined {
  const state = (input.raw as StateHolder | undefined)?.[stateKey]
  const authentication = state?.authentication
  if (!authentication || isPromiseLike(authentication) || !authentication.decision.ok) return
  return bodyRefusal(
    config,
    input,
    config.onDecision ? performance.now() : 0,
    state.dpop ?? false,
    state,
  )
}

/** `token_in_body`, reported, when the request's body carries a token; else `undefined`. */
function bodyRefusal(
  config: GuardConfig,
  input: RequestInput,
  started: number,
  dpop: DpopConfig | false,
  state: RequestState,
): Refusal | undefined {
  if (!bodyCarriesToken(input)) return
  const settled = isPromiseLike(state.authentication) ? undefined : state.authentication
  const refusal = answered(refuse('token_in_body'), dpop, settled?.scheme)
  report(config, input, { decision: refusal }, started)
  return refusal
}

/**
 * A refusal a gate gives whatever the token: DPoP credentials where the route takes none
 * (they are another scheme to it: no credentials of ours), Bearer ones where it requires DPoP.
 */
function refusedScheme(dpop: DpopConfig | false, scheme: Scheme | undefined): Refusal | undefined {
  if (!dpop) return scheme === 'dpop' ? refuse('missing_token') : undefined
  return dpop.mode === 'required' && scheme === 'bearer' ? refuse('dpop_required') : undefined
}

/**
 * A refusal with the DPoP side of its challenge, when the gate accepts DPoP, and with the
 * gate's scopes as the `scope` hint of a 401 when the metadata document is served (RFC 9728
 * §5.1: a client learns what to ask for before it has a token).
 */
function answered<T extends Decision>(
  decision: T,
  dpop: DpopConfig | false,
  scheme: Scheme | undefined,
  scopeHint: readonly string[] = [],
): T {
  if (decision.ok || 'preflight' in decision) return decision
  const hinted =
    scopeHint.length > 0 && decision.scope === undefined && REASONS[decision.reason].status === 401
  if (!hinted && (!dpop || decision.dpop)) return decision
  return {
    ...decision,
    ...(dpop &&
      !decision.dpop && { dpop: scheme === 'dpop' ? dpop.answers.used : dpop.answers.unused }),
    ...(hinted && { scope: scopeHint }),
  }
}

/** `guard.revoke`: a revocation validated against the guard's issuers, then stored. */
function revoker(config: GuardConfig): (revocation: Revocation) => Promise<void> {
  // A token older than maxTokenAge is refused anyway, so its revocation need not outlive that.
  const revocationConfig = {
    retention:
      config.maxTokenAge === undefined
        ? DEFAULT_RETENTION
        : config.maxTokenAge + config.clockTolerance,
    tolerance: config.clockTolerance,
    issuers: new Set(config.issuers.keys()),
  }
  return async (revocation) => {
    await config.store.revoke(storedRevocation(revocation, revocationConfig, Date.now() / 1000))
  }
}

/**
 * Reports a gate whose token verified: refused by one of its checks, or accepted (with the
 * DPoP proof's key in `auth.dpop`, and a rotated nonce for the response).
 */
function concluded(
  config: GuardConfig,
  input: RequestInput,
  state: RequestState,
  authentication: Authentication,
  refusal: Refusal | undefined,
  dpop: DpopConfig | false,
  scopeHint: readonly string[],
  started: number,
): Decision {
  if (refusal) {
    const decision = answered(refusal, dpop, authentication.scheme, scopeHint)
    return report(config, input, { decision, verified: authentication.verified }, started)
  }
  state.dpop = dpop
  const { proof } = state
  if (!proof || authentication.scheme !== 'dpop')
    return report(config, input, authentication, started)
  const auth = authentication.verified as AuthInfo
  auth.dpop = { jkt: proof.jkt }
  const decision =
    proof.nonce === undefined
      ? authentication.decision
      : { ok: true as const, auth, dpopNonce: proof.nonce }
  return report(config, input, { ...authentication, decision }, started)
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
    const preflight = !decision.ok && 'preflight' in decision
    config.onDecision({
      outcome: decision.ok ? 'allow' : preflight ? 'preflight' : 'deny',
      ...(decision.ok
        ? {}
        : preflight
          ? { status: 204 }
          : { reason: decision.reason, status: REASONS[decision.reason].status }),
      method: input.method,
      route: input.route ?? reportedPath(input.url),
      ...(payload && { iss: payload.iss, sub: payload.sub, jti: payload.jti }),
      durationMs: performance.now() - started,
    })
  }
  return decision
}

/**
 * The path an event names when the framework knows no route: without the query, the fragment
 * or `;` parameters, the places a client may have put a token.
 */
function reportedPath(url: string): string {
  const path = targetPath(url)
  const parameters = path.indexOf(';')
  return parameters === -1 ? path : path.slice(0, parameters)
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
