/**
 * Claim rules: each named claim must be present and either equal a given JSON value or satisfy a
 * predicate. Rules are checked against top-level claims only, since claim names may contain dots.
 */
import { isDeepStrictEqual } from 'node:util'
import { invalidOption } from '../errors.js'
import type { JwtClaims } from '../decision.js'
import { isPromiseLike } from '../maybe.js'

/** A predicate over one claim's value; only a return of exactly `true` accepts. */
export type ClaimPredicate = (value: unknown) => boolean

/** A plain JSON value a claim must equal (compared deeply). */
export type ClaimValue =
  string | number | boolean | null | ClaimValue[] | { [member: string]: ClaimValue }

/** One claim rule: a value to equal, or a predicate to satisfy. */
export type ClaimRuleOption = ClaimValue | ClaimPredicate

/** One compiled rule: the claim's name and the test its value must pass. */
export type ClaimRule = readonly [name: string, test: ClaimPredicate]

/**
 * Validates a `claims` option into rules.
 *
 * @throws BearerGuardError naming `option.name` for an expected value that is not plain JSON
 *   (`undefined`, a RegExp, a Date, NaN...). A RegExp is refused on purpose: a user pattern can
 *   backtrack catastrophically on attacker-chosen input; write a predicate instead.
 */
export function claimRules(claims: unknown, option: string): ClaimRule[] {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    return invalidOption(
      option,
      'must be an object of claim names to expected values or predicates',
    )
  }
  return Object.entries(claims).map(([name, expected]): ClaimRule => {
    if (typeof expected === 'function') return [name, guarded(expected as ClaimPredicate)]
    if (!isPlainJson(expected)) {
      return invalidOption(
        `${option}.${name}`,
        'must be a JSON value (string, number, boolean, null, array, object) or a predicate function',
      )
    }
    return [name, (value) => isDeepStrictEqual(value, expected)]
  })
}

/** `missing_claim` when a named claim is absent, `claim_mismatch` when its value fails its rule. */
export function checkClaims(claims: JwtClaims, rules: readonly ClaimRule[]) {
  for (const [name, test] of rules) {
    if (!Object.hasOwn(claims, name)) return 'missing_claim'
    if (!test(claims[name])) return 'claim_mismatch'
  }
  return undefined
}

/**
 * A predicate that throws, or answers anything but `true`, refuses: claim rules fail closed.
 * A promise is not `true` either (predicates are synchronous); a rejected one is handled, so it
 * never becomes an unhandled rejection.
 */
function guarded(predicate: ClaimPredicate): ClaimPredicate {
  return (value) => {
    try {
      const answer: unknown = predicate(value)
      if (isPromiseLike(answer)) Promise.resolve(answer).then(undefined, ignore)
      return answer === true
    } catch {
      return false
    }
  }
}

function ignore(): void {}

function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(isPlainJson)
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false
  return Object.values(value as object).every(isPlainJson)
}
