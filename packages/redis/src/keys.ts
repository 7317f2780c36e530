/**
 * Where the store keeps things in Redis. Identifiers (`jti`, `sub`, issuers) are never stored
 * as they are: a key holds their digest, which bounds its size and tells apart strings that
 * UTF-8 would make one (a lone surrogate and U+FFFD).
 */
import { randomUUID } from 'node:crypto'
import { identityDigest } from '@bearer-guard/core/adapter'

/** The key and channel names of one store. */
export interface KeyNames {
  /** Counts every revocation made, so a process can tell it missed one. */
  readonly seq: string
  /** A hash of the global watermarks, one field per issuer (and one for every issuer). */
  readonly all: string
  readonly revocations: string
  /** This process's own channel, for its heartbeat. */
  readonly heartbeat: string
  use(key: string): string
  /** A revoked `jti` (`iss` undefined: of every issuer). */
  jti(iss: string | undefined, jti: string): string
  /** A subject watermark. */
  sub(iss: string | undefined, sub: string): string
  /** The field of a global watermark in `all`. */
  field(iss: string | undefined): string
}

// A use key as the guard makes it (a base64url digest) is used as is; anything else is hashed.
const PLAIN_KEY = /^[A-Za-z0-9_-]{1,128}$/

/** The names for `prefix`. The revocation keys share the hash tag `{rev}`: one Cluster slot. */
export function keyNames(prefix: string): KeyNames {
  const tag = `${prefix}{rev}:`
  return {
    seq: `${tag}seq`,
    all: `${tag}all`,
    revocations: `${prefix}revocations`,
    heartbeat: `${prefix}heartbeat:${randomUUID()}`,
    use: (key) => `${prefix}use:${PLAIN_KEY.test(key) ? key : identityDigest('use', key)}`,
    jti: (iss, jti) => `${tag}jti:${identityDigest(iss ?? null, jti)}`,
    sub: (iss, sub) => `${tag}sub:${identityDigest(iss ?? null, sub)}`,
    field: (iss) => identityDigest(iss ?? null),
  }
}
