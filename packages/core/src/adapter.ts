/**
 * @bearer-guard/core/adapter: what the framework adapters and store packages build on, and
 * applications do not need: response headers, promise helpers, the shared wait bound, option
 * checks and key digests. Applications import from `@bearer-guard/core`.
 */
export { setAuthenticatedHeaders, setResponseHeaders } from './http.js'
export type { HeaderAccess } from './http.js'
export { andThen, isPromiseLike } from './maybe.js'
export type { MaybePromise } from './maybe.js'
export { deadline } from './deadline.js'
export { isolated } from './hooks.js'
export { identityDigest } from './identity.js'
export { parseDuration } from './duration.js'
export { checkKnownKeys } from './known-keys.js'
