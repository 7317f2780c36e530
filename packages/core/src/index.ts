/**
 * @bearer-guard/core: framework-free JWT bearer-token verification for API resource servers.
 * Adapters (`@bearer-guard/express`, `koa`, `fastify`) are built on exactly these exports.
 */
export { createGuard } from './guard.js'
export type { Guard, RouteCheck } from './guard.js'
export type { GuardConfig, GuardOptions, IssuerOptions, JwksCacheOptions } from './options.js'
export type { TokenCacheOptions } from './verify/token-cache.js'
export type { RoutePolicy } from './policy/policy.js'
export type { Revocation } from './policy/revocation.js'
export { memoryStore, StoreFull } from './store/memory-store.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export type { RevocationQuery, Store, StoredRevocation } from './store/store.js'
export { isAmbiguousPath, normalizePath, pathDigest } from './policy/bind-url.js'
export type { ClaimPredicate, ClaimRuleOption, ClaimValue } from './policy/claims.js'
export type {
  AuthInfo,
  Decision,
  JwtClaims,
  JwtHeader,
  Preflight,
  Refusal,
  RequestInput,
} from './decision.js'
export { REASONS, isReason } from './reasons.js'
export type { Reason } from './reasons.js'
export { setAuthenticatedHeaders, toHttp } from './http.js'
export type { HeaderAccess, HttpResponse, ResponseConfig } from './http.js'
export type { DecisionEvent, DecisionHandler } from './events.js'
export type { KeyEvent, KeyEventHandler } from './keys/key-events.js'
export { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './keys/algorithms.js'
export type { Algorithm } from './keys/algorithms.js'
export { MAX_TOKEN_LENGTH } from './extract/bearer.js'
export { expectsBody } from './extract/body.js'
export { andThen, isPromiseLike } from './maybe.js'
export { perPrototype } from './per-prototype.js'
export type { MaybePromise } from './maybe.js'
export { BearerGuardError } from './errors.js'
export type { BearerGuardErrorCode } from './errors.js'
export { parseDuration } from './duration.js'
export { identityDigest } from './identity.js'
export { deadline } from './deadline.js'
export { isolated } from './hooks.js'
