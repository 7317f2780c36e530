/**
 * @bearer-guard/core: framework-free JWT bearer-token verification for API resource servers.
 * Adapters (`@bearer-guard/express`, `koa`, `fastify`) are built on exactly these exports.
 */
export { createGuard } from './guard.js'
export type { Guard, RouteCheck } from './guard.js'
export type { GuardConfig, GuardOptions, IssuerOptions, JwksCacheOptions } from './options.js'
export type { RoutePolicy } from './policy/policy.js'
export type { ClaimPredicate, ClaimRuleOption, ClaimValue } from './policy/claims.js'
export type { AuthInfo, Decision, JwtClaims, JwtHeader, Refusal, RequestInput } from './decision.js'
export { REASONS, isReason } from './reasons.js'
export type { Reason } from './reasons.js'
export { authenticatedHeaders, toHttp } from './http.js'
export type { HeaderReader, HttpResponse, ResponseConfig } from './http.js'
export type { DecisionEvent, DecisionHandler } from './events.js'
export type { KeyEvent, KeyEventHandler } from './keys/key-events.js'
export { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './keys/algorithms.js'
export type { Algorithm } from './keys/algorithms.js'
export { MAX_TOKEN_LENGTH } from './extract/bearer.js'
export { expectsBody } from './extract/body.js'
export { BearerGuardError } from './errors.js'
export type { BearerGuardErrorCode } from './errors.js'
export { parseDuration } from './duration.js'
