import { isPromiseLike } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'

/**
 * The Store: what use counts and revocations need from shared state, and nothing framework- or
 * database-specific. `memoryStore()` is the default; `@bearer-guard/redis` shares one across
 * processes. Times are seconds since the epoch.
 */

/** A revocation as the store keeps it, until `expiresAt`. */
export type StoredRevocation =
  | { kind: 'jti'; jti: string; expiresAt: number }
  | { kind: 'sub'; sub: string; before: number; expiresAt: number }
  | { kind: 'all'; before: number; expiresAt: number }

/** The claims a revocation lookup needs. */
export interface RevocationQuery {
  jti?: string
  sub?: string
  iat?: number
}

/**
 * Shared state behind `maxUses` and revocation. A method may answer directly (an in-process
 * store) or with a promise (a remote one); either may fail, and the guard then fails closed.
 */
export interface Store {
  /**
   * Atomically counts one more use of `key` and returns the new count. The count expires at
   * `expiresAt`, with the token it counts.
   */
  countUse(key: string, expiresAt: number): MaybePromise<number>
  /** Records a revocation; a record whose `before` is later replaces an earlier one. */
  revoke(revocation: StoredRevocation): MaybePromise<void>
  /**
   * Whether a token is revoked: its `jti` is revoked, or its `sub` or every token has a
   * watermark later than its `iat`. A token without `iat` under a watermark counts as revoked,
   * since nothing shows it was issued after.
   */
  isRevoked(token: RevocationQuery): MaybePromise<boolean>
}

/** Thrown by the guard's store wrapper; becomes 503 `store_unavailable`. */
export class StoreUnavailable extends Error {
  constructor(readonly operation: string) {
    super(`store ${operation} failed or timed out`)
    this.name = 'StoreUnavailable'
  }
}

const STORE_METHODS = ['countUse', 'revoke', 'isRevoked'] as const

/** Whether a value implements `Store`. */
export function isStore(value: unknown): value is Store {
  return (
    typeof value === 'object' &&
    value !== null &&
    STORE_METHODS.every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
  )
}

/**
 * Wraps a store so that a call that throws, rejects or outlasts `timeout` seconds fails with
 * `StoreUnavailable`, whatever the store did. An answer given at once needs no timer.
 */
export function guardedStore(store: Store, timeout: number): Store {
  // Each method calls the store directly (no closure per call): this runs on every request.
  return {
    countUse(key, expiresAt) {
      try {
        return bounded(store.countUse(key, expiresAt), 'countUse', timeout)
      } catch {
        throw new StoreUnavailable('countUse')
      }
    },
    revoke(revocation) {
      try {
        return bounded(store.revoke(revocation), 'revoke', timeout)
      } catch {
        throw new StoreUnavailable('revoke')
      }
    },
    isRevoked(token) {
      try {
        return bounded(store.isRevoked(token), 'isRevoked', timeout)
      } catch {
        throw new StoreUnavailable('isRevoked')
      }
    },
  }
}

/** An answer given at once passes through; a promise gets a deadline and a uniform failure. */
function bounded<T>(answer: MaybePromise<T>, operation: string, timeout: number): MaybePromise<T> {
  if (!isPromiseLike(answer)) return answer
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable(operation)), timeout * 1000)
    timer.unref()
  })
  const attempt = Promise.resolve(answer).catch(() => {
    throw new StoreUnavailable(operation)
  })
  return Promise.race([attempt, expired]).finally(() => clearTimeout(timer))
}
