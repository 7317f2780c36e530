/**
 * How long a proof's `jti` is remembered. Gates may have different `proofMaxAge`s, and a store
 * is keyed by the proof alone: a count that expired with a short window would let a gate with
 * a longer one accept the same proof again. So every count lives for the longest window any
 * DPoP config of this process has (five minutes at least, the default). Processes sharing a
 * store must not configure a longer `proofMaxAge` than the others know of: see the README.
 */

let longest = 300

/** Records a configured `proofMaxAge`, in seconds. */
export function noteProofWindow(seconds: number): void {
  if (seconds > longest) longest = seconds
}

/** The longest `proofMaxAge` configured in this process, and at least the default. */
export function longestProofWindow(): number {
  return longest
}
