/**
 * How long a proof's `jti` is remembered. Gates may have different `proofMaxAge`s and guards
 * different `clockTolerance`s, and a store is keyed by the proof alone: a count that expired
 * with a short window would let a gate with a longer one accept the same proof again. So every
 * count lives for the longest window and the longest tolerance configured in this process so
 * far (five minutes and five seconds at least, the defaults). Processes sharing a store must
 * not configure longer ones than the others know of, and guards should be built before they
 * serve: see the README.
 */

let longest = 300
let tolerance = 5

/** Records a configured `proofMaxAge`, in seconds. */
export function noteProofWindow(seconds: number): void {
  if (seconds > longest) longest = seconds
}

/** The longest `proofMaxAge` configured in this process, and at least the default. */
export function longestProofWindow(): number {
  return longest
}

/** Records a guard's `clockTolerance`, in seconds. */
export function noteClockTolerance(seconds: number): void {
  if (seconds > tolerance) tolerance = seconds
}

/** The longest `clockTolerance` configured in this process, and at least the default. */
export function longestTolerance(): number {
  return tolerance
}
