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

/** Shared state behind `maxUses` and revocation. Every method may reject; the guard then fails closed. */
export interface Store {
  /**
   * Atomically counts one more use of `key` and returns the new count. The count expires at
   * `expiresAt`, with the token it counts.
   */
  countUse(key: string, expiresAt: number): Promise<number>
  /** Records a revocation; a record whose `before` is later replaces an earlier one. */
  revoke(revocation: StoredRevocation): Promise<void>
  /**
   * Whether a token is revoked: its `jti` is revoked, or its `sub` or every token has a
   * watermark later than its `iat`. A token without `iat` under a watermark counts as revoked,
   * since nothing shows it was issued after.
   */
  isRevoked(token: RevocationQuery): Promise<boolean>
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
 * Wraps a store so that a call that throws, rejects or outlasts `timeout` seconds rejects with
 * `StoreUnavailable`, whatever the store did.
 */
export function guardedStore(store: Store, timeout: number): Store {
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailable(operation)), timeout * 1000)
      timer.unref()
    })
    const attempt = Promise.resolve()
      .then(run)
      .catch(() => {
        throw new StoreUnavailable(operation)
      })
    return Promise.race([attempt, expired]).finally(() => clearTimeout(timer))
  }
  return {
    countUse: (key, expiresAt) => call('countUse', () => store.countUse(key, expiresAt)),
    revoke: (revocation) => call('revoke', () => store.revoke(revocation)),
    isRevoked: (token) => call('isRevoked', () => store.isRevoked(token)),
  }
}
