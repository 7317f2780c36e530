/** `onDecision` events: one per gate a request passes through. They never carry the token. */
import type { Reason } from './reasons.js'

/** What the `onDecision` hook receives. */
export interface DecisionEvent {
  /** `allow`: authenticated; `deny`: refused; `preflight`: a CORS preflight answered with 204. */
  outcome: 'allow' | 'deny' | 'preflight'
  /** Why it was refused (`deny` only). */
  reason?: Reason
  /** The status the guard answered with (`deny` and `preflight`). */
  status?: number
  method: string
  /** The route pattern when the framework knows it, else the request path without its query. */
  route: string
  /** From the token, only once its signature verified: unverified values are attacker-chosen. */
  iss?: string
  sub?: string
  jti?: string
  /** Time the gate took, in milliseconds. */
  durationMs: number
}

/**
 * Receives decision events. A throw or a rejected promise becomes a process warning, never an
 * answer to the request.
 */
export type DecisionHandler = (event: DecisionEvent) => void
