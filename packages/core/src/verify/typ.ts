/** The `typ` header rule (RFC 7515 §4.1.9, RFC 9068 §4): which media types a token may declare. */
import { stringList } from '../string-list.js'

/** `false` accepts any `typ`; otherwise the accepted types, normalized, and whether none is fine. */
export type TypRule =
  false | { readonly accepted: ReadonlySet<string>; readonly allowAbsent: boolean }

/** Absent, `JWT`, `at+jwt` or `application/at+jwt`. */
export const DEFAULT_TYP: TypRule = { accepted: new Set(['jwt', 'at+jwt']), allowAbsent: true }

/**
 * Validates the `typ` option. A value given explicitly is strict: the header must be present and
 * one of them (`typ: 'at+jwt'` is the RFC 9068 profile).
 *
 * @throws BearerGuardError naming `option`
 */
export function typRule(value: unknown, option: string): TypRule {
  if (value === undefined) return DEFAULT_TYP
  if (value === false) return false
  const list = stringList(
    value,
    option,
    "must be a media type such as 'at+jwt', a non-empty array of them, or false",
  )
  return { accepted: new Set(list.map(normalizeTyp)), allowAbsent: false }
}

/** Whether a token's `typ` header passes the rule. */
export function isTypAccepted(rule: TypRule, typ: unknown): boolean {
  if (rule === false) return true
  if (typ === undefined) return rule.allowAbsent
  return typeof typ === 'string' && rule.accepted.has(normalizeTyp(typ))
}

// Media types compare case-insensitively, and "application/" may be left out (RFC 7515 §4.1.9).
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}
