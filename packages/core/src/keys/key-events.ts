/** What key sources report to operators: fetches, failures, ignored keys and stale-key use. */
import type { FetchFailureKind } from './fetch-json.js'

/** One key-source event, passed to the `onKeyEvent` option. Never carries a token. */
export type KeyEvent =
  | { type: 'keys_fetched'; issuer: string; uri: string; keys: number }
  | {
      type: 'fetch_failed'
      issuer: string
      uri: string
      failure: FetchFailureKind | 'not_jwks' | 'issuer_mismatch' | 'bad_jwks_uri'
    }
  | { type: 'key_ignored'; issuer: string; uri: string; kid: string | undefined; problem: string }
  | { type: 'stale_keys_used'; issuer: string; uri: string; staleSeconds: number }

/** Receives key events. */
export type KeyEventHandler = (event: KeyEvent) => void

/**
 * The default handler: failures and ignored keys become a Node process warning, so they show up
 * even when nobody wired `onKeyEvent`; routine events are dropped.
 */
export const warnOnKeyProblems: KeyEventHandler = (event) => {
  if (event.type === 'fetch_failed') {
    process.emitWarning(
      `key fetch for issuer ${event.issuer} failed: ${event.failure}`,
      'BearerGuardWarning',
    )
  } else if (event.type === 'key_ignored') {
    process.emitWarning(
      `ignored key ${event.kid ?? '(no kid)'} of issuer ${event.issuer}: it ${event.problem}`,
      'BearerGuardWarning',
    )
  }
}
