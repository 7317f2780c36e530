/** The error thrown for a bad setup. A refused request is never an error: it is a `Decision`. */

/** Stable codes, so callers can branch on `error.code` rather than on a message. */
export type BearerGuardErrorCode = 'ERR_BG_INVALID_OPTION'

/**
 * Thrown at construction (never per request) when an option is unknown, missing or invalid.
 * `option` is the path of the offending option, e.g. `secrets[1]` or `policy.scope`.
 */
export class BearerGuardError extends Error {
  readonly code: BearerGuardErrorCode
  readonly option: string

  constructor(option: string, problem: string) {
    super(`bearer-guard: option "${option}" ${problem}`)
    this.name = 'BearerGuardError'
    this.code = 'ERR_BG_INVALID_OPTION'
    this.option = option
  }
}

/** Shorthand used by every validator: throws a `BearerGuardError` for `option`. */
export function invalidOption(option: string, problem: string): never {
  throw new BearerGuardError(option, problem)
}
