/**
 * What one process knows of the revocations kept in Redis. Global watermarks are few (one per
 * issuer at most) and mirrored whole. Revoked `jti`s and subject watermarks may be millions, so
 * they stay in Redis and are looked up there once per token or subject; the answers are kept in
 * a bounded cache per issuer, which the published revocations keep current. The view is only
 * trusted while the store is in sync; every loss of sync clears it.
 */
import type { RevocationQuery, StoredRevocation } from '@bearer-guard/core'

/** A watermark: tokens issued before `before` are revoked until `expiresAt` (seconds). */
export interface Watermark {
  readonly before: number
  readonly expiresAt: number
}

/** What Redis answered for one token (seconds since the epoch; 0: nothing recorded). */
export interface LookupAnswer {
  /** When the revocation of the token's `jti` (of its issuer or of every issuer) expires. */
  jtiRevokedUntil: number
  /** The later subject watermark of the token's issuer and of every issuer. */
  sub: Watermark
}

/** No watermark at all. */
export const NONE: Watermark = Object.freeze({ before: 0, expiresAt: 0 })

// The scope of a record that names no issuer. Issuers are non-empty strings, so it is none of them.
const ANY = ''

export class RevocationView {
  private readonly everything = new Map<string, Watermark>()
  private readonly issuers = new Map<string, IssuerCache>()
  /** Counts the revocations applied: an answer looked up while one arrived is not cached. */
  private applied = 0

  constructor(private readonly cacheSize: number) {}

  /** Forgets every cached answer and watermark (the store lost sync). */
  clear(): void {
    this.everything.clear()
    this.issuers.clear()
    this.applied++
  }

  /** A mark to pass to `remember`, taken before a lookup is sent. */
  mark(): number {
    return this.applied
  }

  /** Applies a revocation, made here or published by another process. */
  apply(record: StoredRevocation): void {
    this.applied++
    const scope = record.iss ?? ANY
    if (record.kind === 'all') {
      const current = this.everything.get(scope)
      if (!current || record.before > current.before)
        this.everything.set(scope, { before: record.before, expiresAt: record.expiresAt })
      return
    }
    for (const [iss, cache] of this.issuers) {
      if (scope !== ANY && scope !== iss) continue
      if (record.kind === 'jti')
        cache.jtis.set(record.jti, Math.max(record.expiresAt, cache.jtis.get(record.jti) ?? 0))
      // A subject answer is only raised where one is cached: a partial one could under-report.
      else cache.raiseSubject(record.sub, record)
    }
  }

  /**
   * Whether a token is revoked as far as this process knows: `true` or `false`, or `undefined`
   * when Redis must be asked (a `jti` or subject not cached yet). Asked on every request: the
   * clock is only read when a cached answer holds a revocation (most tokens have none).
   */
  known({ iss, jti, sub, iat }: RevocationQuery): boolean | undefined {
    if (this.everything.size > 0 && this.isWatermarked(iss, iat, Date.now() / 1000)) return true
    const cache = this.issuers.get(iss)
    const revokedUntil = jti === undefined ? 0 : cache?.jtis.get(jti)
    if (revokedUntil !== undefined && revokedUntil > 0 && revokedUntil > Date.now() / 1000)
      return true
    const mark = sub === undefined ? NONE : cache?.subs.get(sub)
    if (revokedUntil === undefined || mark === undefined) return undefined
    return mark !== NONE && isUnder(mark, iat, Date.now() / 1000)
  }

  /**
   * Caches what Redis answered for a token and says whether it is revoked. Nothing is cached
   * when a revocation was applied since `mark` (the answer may predate it).
   *
   * @param now - seconds since the epoch
   */
  remember(query: RevocationQuery, answer: LookupAnswer, mark: number, now: number): boolean {
    if (mark === this.applied) {
      let cache = this.issuers.get(query.iss)
      if (!cache) this.issuers.set(query.iss, (cache = new IssuerCache(this.cacheSize)))
      if (query.jti !== undefined) cache.jtis.set(query.jti, answer.jtiRevokedUntil)
      if (query.sub !== undefined) cache.subs.set(query.sub, answer.sub)
    }
    return answer.jtiRevokedUntil > now || isUnder(answer.sub, query.iat, now)
  }

  private isWatermarked(iss: string, iat: number | undefined, now: number): boolean {
    return this.isScopeUnder(iss, iat, now) || this.isScopeUnder(ANY, iat, now)
  }

  private isScopeUnder(scope: string, iat: number | undefined, now: number): boolean {
    const mark = this.everything.get(scope)
    return mark !== undefined && isUnder(mark, iat, now)
  }
}

/** One issuer's cached answers. */
class IssuerCache {
  /** Until when a `jti` is revoked (seconds; 0: it is not). */
  readonly jtis: BoundedMap<number>
  /** A subject's watermark (`NONE` when it has none). */
  readonly subs: BoundedMap<Watermark>

  constructor(size: number) {
    this.jtis = new BoundedMap(size)
    this.subs = new BoundedMap(size)
  }

  raiseSubject(sub: string, mark: Watermark): void {
    const current = this.subs.get(sub)
    if (current !== undefined && mark.before > current.before)
      this.subs.set(sub, { before: mark.before, expiresAt: mark.expiresAt })
  }
}

/**
 * A Map of at most `size` entries that drops its oldest entry to make room. It is a cache of
 * what Redis holds, so a dropped entry costs one more lookup, never a wrong answer; plain Map
 * operations keep a cached check as cheap as the lookup in memory it replaces.
 */
class BoundedMap<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    return this.map.get(key)
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.size && !this.map.has(key))
      this.map.delete(this.map.keys().next().value as string)
    this.map.set(key, value)
  }
}

/** Whether a token issued at `iat` falls under a live watermark; one without `iat` falls under any. */
function isUnder(mark: Watermark, iat: number | undefined, now: number): boolean {
  return mark.expiresAt > now && (iat === undefined || iat < mark.before)
}
