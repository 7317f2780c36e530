/** `onDecision` events: one per gate a request passes through. They never carry the token. */
import type { Reason } from './reasons.js'

/** What the `onDecision` hook receives. */
export interface DecisionEvent {
  /** `allow`: authenticated; `deny`: refused; `pass`: let through unauthenticated (CORS preflight). */
  outcome: 'allow' | 'deny' | 'pass'
  /** Why it was refused (`deny` only). */
  reason?: Reason
  /** The response status of a refusal (`deny` only). */
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

/** Receives decision events; an exception it throws is reported as a warning, never to the request. */
export type DecisionHandler = (event: DecisionEvent) => void

/** Calls the hook, isolating the request from whatever it throws. */
export function emitDecision(handler: DecisionHandler | undefined, event: DecisionEvent): void {
  if (!handler) return
  try {
    handler(event)
  } catch (error) {
    process.emitWarning(
      `onDecision threw: ${(error as Error)?.name ?? 'error'}`,
      'BearerGuardWarning',
    )
  }
}
