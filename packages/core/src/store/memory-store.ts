/**
 * The in-process store, on lru-cache: bounded, with every entry expiring with its token. It is
 * exact for one process; several processes need a shared store (`@bearer-guard/redis`).
 */
import { LRUCache } from 'lru-cache'
import { invalidOption } from '../errors.js'
import type { RevocationQuery, Store, StoredRevocation } from './store.js'

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * Most use counters held at once, and most revocation records (default 100,000 each). When
   * every slot holds a live entry the store refuses (the request gets 503 `store_unavailable`)
   * rather than forget a count: a forgotten count would let a single-use token be used again.
   */
  max?: number
}

/** Thrown when the store is full of live entries. */
export class StoreFull extends Error {
  constructor(table: string) {
    super(`memoryStore: the ${table} table is full of live entries`)
    this.name = 'StoreFull'
  }
}

/**
 * Builds an in-memory store.
 *
 * @example requireJwt({ issuer, audience, store: memoryStore({ max: 500_000 }) })
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const max = options.max ?? 100_000
  if (!Number.isSafeInteger(max) || max < 1)
    invalidOption('memoryStore.max', 'must be a positive integer')
  const uses = new BoundedTable<{ count: number }>('use', max)
  const jtis = new BoundedTable<true>('revoked jti', max)
  const subs = new BoundedTable<number>('revoked subject', max)
  let everything: { before: number; expiresAt: number } | undefined

  // Every method answers at once: the guard's hot path stays synchronous with this store.
  return {
    countUse(key, expiresAt) {
      const entry = uses.get(key)
      if (entry) return ++entry.count
      uses.set(key, { count: 1 }, expiresAt)
      return 1
    },
    revoke(revocation: StoredRevocation) {
      if (revocation.kind === 'jti') jtis.set(revocation.jti, true, revocation.expiresAt)
      else if (revocation.kind === 'sub') {
        subs.set(
          revocation.sub,
          Math.max(revocation.before, subs.get(revocation.sub) ?? 0),
          revocation.expiresAt,
        )
      } else if (!everything || revocation.before > everything.before) {
        everything = { before: revocation.before, expiresAt: revocation.expiresAt }
      }
    },
    isRevoked({ jti, sub, iat }: RevocationQuery) {
      if (jti !== undefined && jtis.get(jti)) return true
      if (everything && everything.expiresAt <= Date.now() / 1000) everything = undefined
      // Asked on every request: no array or closure is made for the two watermarks.
      return (
        isIssuedBefore(iat, everything?.before) ||
        (sub !== undefined && isIssuedBefore(iat, subs.get(sub)))
      )
    },
  }
}

/** Whether a token issued at `iat` falls under a watermark; one without `iat` falls under any. */
function isIssuedBefore(iat: number | undefined, before: number | undefined): boolean {
  return before !== undefined && (iat === undefined || iat < before)
}

/** An lru-cache that expires entries at a given time and refuses, rather than evicts, when full. */
class BoundedTable<V extends object | number | true> {
  private readonly cache: LRUCache<string, V & {}>
  private lastPurge = 0

  constructor(
    private readonly name: string,
    private readonly max: number,
  ) {
    // ttlResolution 0: reading the clock costs less than the timer that caching it would start.
    this.cache = new LRUCache<string, V & {}>({ max, ttlAutopurge: false, ttlResolution: 0 })
  }

  get(key: string): V | undefined {
    // Most tables are empty most of the time (revocations are rare): skip the lookup then.
    return this.cache.size === 0 ? undefined : this.cache.get(key)
  }

  set(key: string, value: V, expiresAt: number): void {
    const ttl = Math.max(1, Math.ceil(expiresAt * 1000 - Date.now()))
    if (!this.cache.has(key) && this.cache.size >= this.max && !this.purge())
      throw new StoreFull(this.name)
    this.cache.set(key, value as V & {}, { ttl })
  }

  /** Drops expired entries, at most once a second (it walks the table); true when room was made. */
  private purge(): boolean {
    const now = Date.now()
    if (now - this.lastPurge >= 1000) {
      this.lastPurge = now
      this.cache.purgeStale()
    }
    return this.cache.size < this.max
  }
}
