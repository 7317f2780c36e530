/**
 * @bearer-guard/core: framework-free JWT bearer-token verification for API resource servers.
 * This entry is what applications use; what only adapters and stores need is in
 * `@bearer-guard/core/adapter`.
 */
export { createGuard } from './guard.js'
export type { Guard, RouteCheck } from './guard.js'
export type { GuardOptions, IssuerOptions, JwksCacheOptions } from './options.js'
export type { TokenCacheOptions } from './verify/token-cache.js'
export type { RoutePolicy } from './policy/policy.js'
export type { DpopOption } from './dpop/options.js'
export type { ResourceMetadata, ResourceMetadataOption } from './resource-metadata.js'
export type { Revocation } from './policy/revocation.js'
export { memoryStore, StoreFull } from './store/memory-store.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export type { RevocationQuery, Store, StoredRevocation } from './store/store.js'
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
export { toHttp } from './http.js'
export type { HttpResponse, ResponseConfig } from './http.js'
export type { DecisionEvent, DecisionHandler } from './events.js'
export type { KeyEvent, KeyEventHandler } from './keys/key-events.js'
export { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './keys/algorithms.js'
export type { Algorithm } from './keys/algorithms.js'
export { MAX_TOKEN_LENGTH } from './extract/bearer.js'
export { BearerGuardError } from './errors.js'
export type { BearerGuardErrorCode } from './errors.js'
