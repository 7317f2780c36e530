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
  // Global watermarks, by issuer (ANY: every issuer); there are as many as issuers at most.
  const everything = new Map<string, { before: number; expiresAt: number }>()

  // Every method answers at once: the guard's hot path stays synchronous with this store.
  return {
    countUse(key, expiresAt) {
      const entry = uses.get(key)
      if (entry) return ++entry.count
      uses.set(key, { count: 1 }, expiresAt)
      return 1
    },
    revoke(revocation: StoredRevocation) {
      const scope = revocation.iss ?? ANY
      if (revocation.kind === 'jti') {
        jtis.set(scoped(scope, revocation.jti), true, revocation.expiresAt)
      } else if (revocation.kind === 'sub') {
        const key = scoped(scope, revocation.sub)
        subs.set(key, Math.max(revocation.before, subs.get(key) ?? 0), revocation.expiresAt)
      } else {
        const current = everything.get(scope)
        if (!current || revocation.before > current.before)
          everything.set(scope, { before: revocation.before, expiresAt: revocation.expiresAt })
      }
    },
    isRevoked({ iss, jti, sub, iat }: RevocationQuery) {
      // Asked on every request: nothing is built while the tables are empty (the usual case).
      if (jti !== undefined && jtis.size > 0) {
        if (jtis.get(scoped(iss, jti)) || jtis.get(scoped(ANY, jti))) return true
      }
      if (everything.size > 0) {
        const now = Date.now() / 1000
        for (const [scope, mark] of everything) {
          if (mark.expiresAt <= now) everything.delete(scope)
          else if ((scope === iss || scope === ANY) && isIssuedBefore(iat, mark.before)) return true
        }
      }
      if (sub === undefined || subs.size === 0) return false
      return (
        isIssuedBefore(iat, subs.get(scoped(iss, sub))) ||
        isIssuedBefore(iat, subs.get(scoped(ANY, sub)))
      )
    },
  }
}

// The scope of a revocation that names no issuer. Issuers are non-empty strings, so it is never
// one of them, and `scoped` keeps a scope and an identifier apart by the scope's length.
const ANY = ''

function scoped(scope: string, id: string): string {
  return `${scope.length}:${scope}${id}`
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

  get size(): number {
    return this.cache.size
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
