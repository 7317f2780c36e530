/**
 * A remote JWKS (RFC 7517 §5) kept fresh in memory. One fetch at a time; refreshed ahead of
 * expiry; an unknown `kid` causes at most one refetch per cooldown; when the provider fails, the
 * last good keys keep serving for a bounded grace period and each such use is reported.
 */
import { fetchJson, FetchFailure } from './fetch-json.js'
import { importPublicJwk } from './jwk.js'
import type { KeyEventHandler } from './key-events.js'
import { keySet, matchKeys } from './verify-key.js'
import type { KeyLookup, KeySet, KeySource, VerifyKey } from './verify-key.js'

/** How a remote JWKS is cached; all durations in seconds. */
export interface JwksCacheConfig {
  /** Freshness when the response has no `Cache-Control: max-age`. */
  readonly ttl: number
  /** Bounds applied to a `max-age` the provider sends. */
  readonly minTtl: number
  readonly maxTtl: number
  /** Least time between two fetches caused by unknown `kid`s. */
  readonly cooldown: number
  /** Time allowed for one fetch, body included. */
  readonly timeout: number
  /** How long past expiry the last good keys may serve while the provider is failing. */
  readonly staleGrace: number
  /** After a failed fetch, requests wait this long before another fetch is tried. */
  readonly retryInterval: number
}

/** Defaults for `JwksCacheConfig`. */
export const JWKS_CACHE_DEFAULTS: JwksCacheConfig = {
  ttl: 600,
  minTtl: 60,
  maxTtl: 86400,
  cooldown: 30,
  timeout: 5,
  staleGrace: 3600,
  retryInterval: 5,
}

interface Fresh {
  readonly set: KeySet
  readonly refreshAt: number
  readonly expiresAt: number
}

/** Monotonic seconds: wall-clock jumps never expire or resurrect a key set. */
const monotonic = () => performance.now() / 1000

/** The key source for a `jwksUri` (given, or found by discovery). */
export class RemoteJwks implements KeySource {
  private fresh: Fresh | undefined
  private published = ''
  private generations = 0
  private inflight: Promise<void> | undefined
  private lastFetchAt = -Infinity
  private failedAt: number | undefined

  constructor(
    readonly uri: string,
    private readonly issuer: string,
    private readonly allowed: ReadonlySet<string>,
    private readonly cache: JwksCacheConfig,
    private readonly report: KeyEventHandler,
    private readonly now: () => number = monotonic,
  ) {}

  /** Answers at once while the set is fresh and no refetch is due: the common case never waits. */
  lookup(alg: string, kid: string | undefined): KeyLookup | Promise<KeyLookup> {
    const now = this.now()
    const fresh = this.freshSet(now)
    return fresh ? this.matchOrRefetch(fresh, alg, kid, now) : this.lookupExpired(alg, kid)
  }

  private async lookupExpired(alg: string, kid: string | undefined): Promise<KeyLookup> {
    if (!this.inRetryWait(this.now())) await this.refresh()
    const now = this.now()
    const set = this.usable(now)
    if (!set) return { reason: 'keys_unavailable', retryAfter: this.retryAfter(now) }
    return this.matchOrRefetch(set, alg, kid, now)
  }

  /** An unknown `kid` refetches, once per cooldown, in case the provider rotated. */
  private matchOrRefetch(
    set: KeySet,
    alg: string,
    kid: string | undefined,
    now: number,
  ): KeyLookup | Promise<KeyLookup> {
    const found = matchKeys(set, alg, kid)
    // Only a key nobody has seen can be new: too many candidates is not a reason to refetch.
    if (!('reason' in found) || found.reason !== 'unknown_key' || found.ambiguous) return found
    if (now - this.lastFetchAt < this.cache.cooldown || this.inRetryWait(now)) return found
    return this.refresh().then(() => matchKeys(this.usable(this.now()) ?? set, alg, kid))
  }

  /**
   * Fetches now unless a fetch is already under way, in which case it waits for that one. As
   * fetches never overlap, a slow older answer can never replace a newer key set.
   */
  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  private async fetchKeys(): Promise<void> {
    const startedAt = this.now()
    this.lastFetchAt = startedAt
    try {
      const { json, maxAge } = await fetchJson(this.uri, this.cache.timeout)
      // An unchanged document keeps its key set, so verifications made with it stay reusable.
      const published = JSON.stringify((json as { keys?: unknown } | null)?.keys)
      const set = this.fresh && published === this.published ? this.fresh.set : this.parse(json)
      if (set !== this.fresh?.set) this.generations++
      this.published = published
      const ttl =
        maxAge === undefined ? this.cache.ttl : clamp(maxAge, this.cache.minTtl, this.cache.maxTtl)
      // Refresh in the background a quarter of the TTL (at most a minute) before expiry, so a
      // busy API keeps answering from memory while the next set is fetched.
      const expiresAt = startedAt + ttl
      this.fresh = {
        set,
        refreshAt: expiresAt - Math.min(ttl / 4, 60),
        expiresAt,
      }
      this.failedAt = undefined
      this.report({
        type: 'keys_fetched',
        issuer: this.issuer,
        uri: this.uri,
        keys: set.all.length,
      })
    } catch (error) {
      this.failedAt = this.now()
      const failure = error instanceof FetchFailure ? error.kind : 'not_jwks'
      this.report({ type: 'fetch_failed', issuer: this.issuer, uri: this.uri, failure })
    }
  }

  generation(): number | undefined {
    return this.freshSet(this.now()) ? this.generations : undefined
  }

  /** The key set while it is fresh, refreshed in the background once it nears expiry. */
  private freshSet(now: number): KeySet | undefined {
    const fresh = this.fresh
    if (!fresh || now >= fresh.expiresAt) return undefined
    if (now >= fresh.refreshAt) void this.refresh()
    return fresh.set
  }

  /** Validates a JWKS document; a document that is not one is a failed fetch. */
  private parse(json: unknown): KeySet {
    const keys = (json as { keys?: unknown } | null)?.keys
    if (typeof json !== 'object' || json === null || !Array.isArray(keys))
      throw new Error('not a JWKS')
    const usable: VerifyKey[] = []
    for (const jwk of keys) {
      const key = importedKey(jwk, this.allowed)
      if (typeof key !== 'string') usable.push(key)
      else
        this.report({
          type: 'key_ignored',
          issuer: this.issuer,
          uri: this.uri,
          kid: kidOf(jwk),
          problem: key,
        })
    }
    return keySet(usable)
  }

  /** The fresh key set, or the last good one while within the grace period after a failure. */
  private usable(now: number): KeySet | undefined {
    const fresh = this.fresh
    if (!fresh) return undefined
    if (now < fresh.expiresAt) return fresh.set
    if (this.failedAt === undefined || now >= fresh.expiresAt + this.cache.staleGrace)
      return undefined
    this.report({
      type: 'stale_keys_used',
      issuer: this.issuer,
      uri: this.uri,
      staleSeconds: now - fresh.expiresAt,
    })
    return fresh.set
  }

  private inRetryWait(now: number): boolean {
    return this.failedAt !== undefined && now - this.failedAt < this.cache.retryInterval
  }

  private retryAfter(now: number): number {
    return this.failedAt === undefined
      ? this.cache.retryInterval
      : this.failedAt + this.cache.retryInterval - now
  }
}

/** One key of a fetched set; whatever goes wrong with one key, the others still serve. */
function importedKey(jwk: unknown, allowed: ReadonlySet<string>): VerifyKey | string {
  try {
    return importPublicJwk(jwk, allowed)
  } catch {
    return 'could not be read'
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

function kidOf(jwk: unknown): string | undefined {
  const kid = (jwk as { kid?: unknown } | null)?.kid
  return typeof kid === 'string' ? kid.slice(0, 100) : undefined
}
