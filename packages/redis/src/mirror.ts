/**
 * The local mirror of revocations: every live revocation, kept in memory so a lookup costs no
 * round trip. Redis pub/sub keeps it current; a full snapshot restores it after a reconnect.
 * Revocations are only ever added, so merging a snapshot with what arrived meanwhile is a union.
 */
import type { RevocationQuery, StoredRevocation } from '@bearer-guard/core'

export class RevocationMirror {
  private readonly jtis = new Map<string, number>()
  private readonly subs = new Map<string, { before: number; expiresAt: number }>()
  private everything: { before: number; expiresAt: number } | undefined

  /** Adds one revocation (times in seconds); a later watermark wins. */
  apply(record: StoredRevocation): void {
    if (record.kind === 'jti') {
      this.jtis.set(record.jti, Math.max(record.expiresAt, this.jtis.get(record.jti) ?? 0))
    } else if (record.kind === 'sub') {
      const current = this.subs.get(record.sub)
      if (!current || record.before > current.before || record.expiresAt > current.expiresAt) {
        this.subs.set(record.sub, {
          before: Math.max(record.before, current?.before ?? 0),
          expiresAt: Math.max(record.expiresAt, current?.expiresAt ?? 0),
        })
      }
    } else if (!this.everything || record.before > this.everything.before) {
      this.everything = { before: record.before, expiresAt: record.expiresAt }
    }
  }

  /** Whether a token is revoked, as of `now` (seconds). */
  isRevoked({ jti, sub, iat }: RevocationQuery, now: number): boolean {
    if (jti !== undefined) {
      const expiresAt = this.jtis.get(jti)
      if (expiresAt !== undefined && expiresAt > now) return true
    }
    const watermarks = [this.everything, sub === undefined ? undefined : this.subs.get(sub)]
    return watermarks.some(
      (mark) =>
        mark !== undefined && mark.expiresAt > now && (iat === undefined || iat < mark.before),
    )
  }

  /** Drops what expired; run from time to time so the mirror stays as small as the live set. */
  prune(now: number): void {
    for (const [jti, expiresAt] of this.jtis) if (expiresAt <= now) this.jtis.delete(jti)
    for (const [sub, mark] of this.subs) if (mark.expiresAt <= now) this.subs.delete(sub)
    if (this.everything && this.everything.expiresAt <= now) this.everything = undefined
  }

  /** How many revocations it holds. */
  get size(): number {
    return this.jtis.size + this.subs.size + (this.everything ? 1 : 0)
  }
}
