/**
 * The verified-token cache: a repeated token skips signature verification, and nothing else.
 * Entries live in one guard (so two configurations never share one), hold the whole token and
 * are reused only for that very token (so two tokens never share one), never outlive the
 * token's `exp`, and are reused only while the key set that produced them is unchanged and
 * fresh. Times, revocation, use counts, URL binding and every route policy still run on every
 * request.
 */
import { LRUCache } from 'lru-cache'
import { invalidOption } from '../errors.js'
import { checkKnownKeys } from '../known-keys.js'
import type { AuthInfo } from '../decision.js'
import type { IssuerConfig } from './verify-token.js'

/** Options of the cache; `false` turns it off. */
export interface TokenCacheOptions {
  /** Most tokens remembered at once (default 10,000). */
  max?: number
}

/** One remembered verification: accepted, or refused for a bad signature. */
export interface CachedVerification {
  /** The whole token: an entry is found by the token's last characters, reused only for it. */
  readonly token: string
  readonly issuer: IssuerConfig
  /** The issuer's key-set generation the verification was made with. */
  readonly generation: number
  readonly outcome: AuthInfo | 'bad_signature'
}

/** The cache type the guard holds, keyed by `cacheKey(token)`. */
export type TokenCache = LRUCache<string, CachedVerification>

// Why not the whole token as the key: looking a string up hashes every character of it, and a
// token arrives as a new string on every request, so the hash is never already known: most of
// a repeated token's extraction went there (see bench/README.md).
// The last 32 characters lie in the signature (43 characters or more for every algorithm) and
// differ from token to token; the entry's own `token` is compared in full before any reuse.
const KEY_LENGTH = 32

function cacheKey(token: string): string {
  return token.length > KEY_LENGTH ? token.slice(-KEY_LENGTH) : token
}

/** Longest a refused token is remembered: a refusal teaches little, so it is kept briefly. */
const REFUSAL_SECONDS = 300

/**
 * Builds the cache, or `undefined` when turned off.
 *
 * @throws BearerGuardError naming `tokenCache` or `tokenCache.max`
 */
export function tokenCache(options: unknown): TokenCache | undefined {
  if (options === false) return undefined
  const given = options === undefined ? {} : options
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return invalidOption('tokenCache', 'must be { max?: number } or false')
  }
  checkKnownKeys(given, ['max'], 'tokenCache')
  const max = (given as TokenCacheOptions).max ?? 10_000
  if (!Number.isSafeInteger(max) || max < 1)
    invalidOption('tokenCache.max', 'must be a positive integer')
  // ttlResolution 0: lru-cache otherwise caches the clock for a millisecond and starts a timer
  // to clear it, about one timer per 7 requests under load, dearer than reading the clock.
  return new LRUCache<string, CachedVerification>({ max, ttlResolution: 0 })
}

/**
 * The remembered verification of `token`, if its key set is unchanged and still fresh.
 * Its times are not checked here: the caller checks them on every use.
 */
export function recall(cache: TokenCache, token: string): CachedVerification | undefined {
  const key = cacheKey(token)
  const entry = cache.get(key)
  if (!entry || entry.token !== token) return undefined
  if (entry.issuer.keys.generation() === entry.generation) return entry
  cache.delete(key)
  return undefined
}

/**
 * Remembers a verification until the token expires (refusals for at most 5 minutes).
 *
 * @param expiresAt - seconds since the epoch after which the token is refused anyway
 * @param now - seconds since the epoch
 */
export function remember(
  cache: TokenCache,
  token: string,
  entry: Omit<CachedVerification, 'token'>,
  expiresAt: number,
  now: number,
): void {
  const seconds =
    entry.outcome === 'bad_signature' ? Math.min(REFUSAL_SECONDS, expiresAt - now) : expiresAt - now
  if (seconds > 0)
    cache.set(cacheKey(token), { token, ...entry }, { ttl: Math.ceil(seconds * 1000) })
}
