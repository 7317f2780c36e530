/** The key model every key source hands to verification. */
import type { KeyObject } from 'node:crypto'

/** One verification key: its `kid`, the algorithms it may verify, and its key material. */
export interface VerifyKey {
  readonly kid: string | undefined
  readonly algorithms: ReadonlySet<string>
  /** A public key, or the secret of an HMAC key. */
  readonly material: KeyObject
}

/** A key set indexed for lookup by `kid` and `alg`. */
export interface KeySet {
  readonly all: readonly VerifyKey[]
  readonly byKid: ReadonlyMap<string, readonly VerifyKey[]>
}

/**
 * What a key source answers for a token: the candidate keys, or why there are none.
 * `alg_not_allowed` means the `kid` names a key that cannot use the token's `alg`; `ambiguous`
 * marks an `unknown_key` given because too many keys could verify the token, not because none can.
 */
export type KeyLookup =
  | { keys: readonly VerifyKey[] }
  | { reason: 'unknown_key'; ambiguous?: true }
  | { reason: 'alg_not_allowed' }
  | { reason: 'keys_unavailable'; retryAfter: number }

/** Where the keys of one issuer come from. `lookup` never throws. */
export interface KeySource {
  lookup(alg: string, kid: string | undefined): KeyLookup | Promise<KeyLookup>
  /**
   * A number that changes whenever the key set changes, or `undefined` while the source cannot
   * vouch for its keys without a lookup (not fetched yet, or expired). A verification is reused
   * only while this stays the same. Never blocks; it may start a background refresh.
   */
  generation(): number | undefined
}

/** A key source whose keys never change. */
export function staticSource(set: KeySet): KeySource {
  return { lookup: (alg, kid) => matchKeys(set, alg, kid), generation: () => 0 }
}

/** Indexes keys by `kid`. */
export function keySet(keys: readonly VerifyKey[]): KeySet {
  const byKid = new Map<string, VerifyKey[]>()
  for (const key of keys) {
    if (key.kid === undefined) continue
    const list = byKid.get(key.kid)
    if (list) list.push(key)
    else byKid.set(key.kid, [key])
  }
  return { all: keys, byKid }
}

/**
 * Most keys a token is tried against. A forged token costs one signature check per candidate,
 * so a token that more keys could verify (no `kid`, and many keys for its `alg`) is refused
 * before any: three covers a current and a previous secret or key, and one more.
 */
export const MAX_CANDIDATES = 3

/**
 * Picks the candidates for a token. With a `kid`, only keys of that `kid`; without one, every
 * key that can use the `alg` (RFC 7515 §4.1.4 makes `kid` optional); `unknown_key` when that
 * leaves more than `MAX_CANDIDATES`.
 */
export function matchKeys(set: KeySet, alg: string, kid: string | undefined): KeyLookup {
  const pool = kid === undefined ? set.all : (set.byKid.get(kid) ?? [])
  const keys = pool.filter((key) => key.algorithms.has(alg))
  if (keys.length > MAX_CANDIDATES) return { reason: 'unknown_key', ambiguous: true }
  if (keys.length > 0) return { keys }
  return { reason: kid !== undefined && pool.length > 0 ? 'alg_not_allowed' : 'unknown_key' }
}
