import { deadline } from '../deadline.js'
import { isPromiseLike } from '../maybe.js'
import type { MaybePromise } from '../maybe.js'

/**
 * The Store: what use counts and revocations need from shared state, and nothing framework- or
 * database-specific. `memoryStore()` is the default; `@bearer-guard/redis` shares one across
 * processes. Times are seconds since the epoch.
 */

/**
 * A revocation as the store keeps it, until `expiresAt`. `iss` limits it to one issuer's
 * tokens; without it, it covers every issuer's.
 */
export type StoredRevocation =
  | { kind: 'jti'; iss?: string; jti: string; expiresAt: number }
  | { kind: 'sub'; iss?: string; sub: string; before: number; expiresAt: number }
  | { kind: 'all'; iss?: string; before: number; expiresAt: number }

/** The claims a revocation lookup needs. */
export interface RevocationQuery {
  iss: string
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
   * Atomically counts one more use of `key` and returns the new count, a positive integer.
   * The count expires at `expiresAt`, with the token it counts.
   */
  countUse(key: string, expiresAt: number): MaybePromise<number>
  /** Records a revocation; a record whose `before` is later replaces an earlier one. */
  revoke(revocation: StoredRevocation): MaybePromise<void>
  /**
   * Whether a token is revoked: its `jti` is revoked, or its `sub` or every token has a
   * watermark later than its `iat`, by a record of its issuer or of every issuer. A token
   * without `iat` under a watermark counts as revoked, since nothing shows it was issued after.
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
 * Wraps a store so that a call that throws, rejects, outlasts `timeout` seconds or answers with
 * a value of the wrong type fails with `StoreUnavailable`, whatever the store did: a count that
 * is not a positive integer (a forgotten `return`) would otherwise let a one-time token through
 * again. An answer given at once needs no timer.
 */
export function guardedStore(store: Store, timeout: number): Store {
  // Each method calls the store directly (no closure per call): this runs on every request.
  return {
    countUse(key, expiresAt) {
      try {
        return bounded(store.countUse(key, expiresAt), isCount, 'countUse', timeout)
      } catch {
        throw new StoreUnavailable('countUse')
      }
    },
    revoke(revocation) {
      try {
        return bounded(store.revoke(revocation), isAnything, 'revoke', timeout)
      } catch {
        throw new StoreUnavailable('revoke')
      }
    },
    isRevoked(token) {
      try {
        return bounded(store.isRevoked(token), isBoolean, 'isRevoked', timeout)
      } catch {
        throw new StoreUnavailable('isRevoked')
      }
    },
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean'
}

function isAnything(_value: unknown): _value is void {
  return true
}

/**
 * An answer given at once is checked and passes through; a promise gets a deadline, the same
 * check, and a uniform failure.
 */
function bounded<T>(
  answer: MaybePromise<T>,
  isValid: (value: unknown) => value is T,
  operation: string,
  timeout: number,
): MaybePromise<T> {
  if (!isPromiseLike(answer)) {
    if (isValid(answer)) return answer
    throw new StoreUnavailable(operation)
  }
  const attempt = Promise.resolve(answer).then(
    (value) => {
      if (isValid(value)) return value
      throw new StoreUnavailable(operation)
    },
    () => {
      throw new StoreUnavailable(operation)
    },
  )
  return deadline(attempt, timeout, () => new StoreUnavailable(operation))
}
